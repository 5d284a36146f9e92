"""The ledger room: acts and tariffs, extra fees, costs and revenue shared by the convention's
keys, month close, member statements and practitioners' pay (see docs/ledger.md)."""
