package callback

// WaitIdle waits until c has written or dropped every request queued so far.
func (c *Capture) WaitIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running {
		c.idle.Wait()
	}
}
