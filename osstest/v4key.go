package osstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// v4KeyCache keeps V4 signing keys, derived from (secret, date) with four
// HMAC-SHA256 steps, so that a signed request costs one HMAC once its key's
// date is known. It is a field of the Emulator; its zero value is ready.
type v4KeyCache struct {
	mu   sync.Mutex
	keys map[v4KeyID][]byte
}

type v4KeyID struct{ secret, region, date string }

// maxV4Keys bounds the cache: a few keys over a few days is what a test
// run uses; beyond that it starts over.
const maxV4Keys = 256

// sign signs stringToSign with the V4 key of (secret, region, date),
// derived once and then taken from the cache.
func (c *v4KeyCache) sign(secret, region, date, stringToSign string) string {
	id := v4KeyID{secret, region, date}
	c.mu.Lock()
	k, ok := c.keys[id]
	c.mu.Unlock()
	if !ok {
		k = deriveV4Key(secret, region, date)
		c.mu.Lock()
		if c.keys == nil || len(c.keys) >= maxV4Keys {
			c.keys = map[v4KeyID][]byte{}
		}
		c.keys[id] = k
		c.mu.Unlock()
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// deriveV4Key is the V4 signing key: HMAC-SHA256 chained over the date,
// region, "oss" and "aliyun_v4_request", from "aliyun_v4" + secret.
func deriveV4Key(secret, region, date string) []byte {
	h := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	k := h([]byte("aliyun_v4"+secret), date)
	k = h(k, region)
	k = h(k, "oss")
	return h(k, v4Terminal)
}
