"""Citizens' attachments (tệp đính kèm): photos, files, audio and video copied to Cloud Storage when they
arrive, because Zalo's URLs reportedly expire after about 7 days and a case lives for months.

`keeper.Keeper.keep(event)` runs in the event worker before the inbox (outside any Firestore transaction:
a download may take seconds): it downloads each attachment with a size cap, checks its type and size
against `config/attachments.json`, stores it under a natural key, and returns the event with each Media's
`stored` copy, or `refused` with a reason the conversation answers. `storage.BucketStore` is the only code
that talks to Cloud Storage; the console reads the copies through it.
"""
