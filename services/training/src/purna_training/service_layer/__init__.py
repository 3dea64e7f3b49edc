"""Training's use cases: load under lock, apply the rules, persist, stage events; one
transaction each."""
