"""Where articles come from besides an explicit ingest: news feeds (`feeds`) and watched folders (`watch`)."""
