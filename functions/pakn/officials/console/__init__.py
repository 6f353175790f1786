"""The officials' console (`official_console`): server-rendered Vietnamese pages for every agency and the
city Office, over the same workflow as the officials' JSON API (pakn.cases.workflow)."""
