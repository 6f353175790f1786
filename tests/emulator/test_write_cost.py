"""What one filed case costs in Firestore writes, end to end: every write of every commit the functions make
while a citizen files a case through the conversation (first message, XONG, the contact form, confirm 1)
and the OA's six replies reach the Zalo stand-in. Counted by wrapping the Firestore client's commit calls,
each write named by the collection of its document.

Before one delivery held a turn's replies: 28 writes in 16 commits (18 of them deliveries: each reply
created, claimed, finished). Then 22 in 12: per turn, one commit for the citizen's state, the event's
marker and the turn's delivery (3 writes), one claim and one finish. Now 14 in 8: the turn's delivery is
the event's marker and is created claimed by the conversation worker, which sends it itself; so per turn
one commit for the citizen's state and the delivery (2 writes) and one finish; plus the case and its
tracking code.
"""

from __future__ import annotations

from collections import Counter

import pytest
from google.cloud.firestore_v1.services.firestore.client import FirestoreClient
from google.cloud.firestore_v1.types import CommitRequest

pytestmark = pytest.mark.emulator

CITIZEN = "6612345678901234567"
COMPLAINT = (
    "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung giấy tờ 3 lần"
)


class Commits:
    """Every commit sent to one project's database: the collection of each document it writes."""

    def __init__(self, project: str):
        self._database = f"projects/{project}/databases/(default)"
        self.commits: list[list[str]] = []

    def record(self, request) -> None:
        request = CommitRequest(request) if isinstance(request, dict) else request
        if request is None or request.database != self._database or not request.writes:
            return
        self.commits.append([collection_of(write) for write in request.writes])

    def writes(self) -> Counter[str]:
        return Counter(name for commit in self.commits for name in commit)

    def reset(self) -> None:
        self.commits.clear()


def collection_of(write) -> str:
    name = write.delete or write.update.name or write.transform.document
    segments = name.split("/documents/", 1)[1].split("/")
    return segments[-2]


@pytest.fixture
def commits(project_id, monkeypatch) -> Commits:
    recorder = Commits(project_id)
    original = FirestoreClient.commit

    def commit(self, request=None, **kwargs):
        recorder.record(request)
        return original(self, request=request, **kwargs)

    monkeypatch.setattr(FirestoreClient, "commit", commit)
    return recorder


def test_a_filed_case_costs_few_writes_end_to_end(pipeline, commits):
    # The OA's first access token is granted once a day, not once a case: out of the count.
    pipeline.say("6600000000000000001", "hướng dẫn")
    commits.reset()

    filed = pipeline.file_case(CITIZEN, COMPLAINT)
    assert "Mã tra cứu: HN-" in filed[0]

    writes = commits.writes()
    print(
        f"\n{sum(writes.values())} writes in {len(commits.commits)} commits: {dict(sorted(writes.items()))}"
    )
    assert dict(writes) == {
        "citizens": 4,  # the conversation's state, once a turn
        "cases": 1,
        "tracking_codes": 1,
        # One a turn, holding its replies in order and marking its event processed: created claimed by the
        # worker that sends it, finished once.
        "deliveries": 8,
    }
    assert sum(writes.values()) == 14
    # Each turn: its own commit (the citizen and the turn's delivery), then its delivery's finish.
    assert len(commits.commits) == 8
    assert sorted(map(sorted, commits.commits)) == sorted(
        [["citizens", "deliveries"]] * 3
        + [["cases", "citizens", "deliveries", "tracking_codes"]]
        + [["deliveries"]] * 4
    )
