package osstest

// SetMaxObjectSize lowers OSS's 5 GB limit so tests can reach it.
func SetMaxObjectSize(e *Emulator, n int64) { e.maxObjectSize = n }
