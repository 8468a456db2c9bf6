package signer

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The V4 key cache must return the right key for every tuple, including
// tuples that share a slot, and under concurrent use (run with -race).
func TestCachedSigningKeyV4(t *testing.T) {
	var s Signer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				secret := fmt.Sprintf("secret-%d", (i+g)%40)
				date := fmt.Sprintf("202401%02d", 1+(i*g)%28)
				region := []string{"cn-hangzhou", "cn-beijing", "eu-central-1"}[i%3]
				got := s.v4Key(secret, date, region).key
				if want := refSigningKeyV4(secret, date, region); !cmp.Equal(got, want) {
					t.Errorf("v4Key(%q, %q, %q) = %x, want %x", secret, date, region, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
