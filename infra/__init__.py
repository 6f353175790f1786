"""Infrastructure as code for pakn: the deploy plan generated from functions/pakn/config/topology.json.

`plan` and `indexes` run where the project's virtualenv is (they read the topology with pydantic);
`bundle` and `rules_release` run inside the deploy itself and use the standard library only.
"""
