"""The question side: a question is parsed (`questions`), a follow-up made self-contained (`followups`), passages
retrieved (`retrieval`) and a cited answer composed (`answers`)."""
