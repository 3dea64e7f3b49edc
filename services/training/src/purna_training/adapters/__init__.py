"""Training's adapters: its tables and SQL, the clock, the certificate PDF."""
