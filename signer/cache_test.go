package signer

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
)

// The callback cache hashes only URL and Body, so these Params share a
// slot; each must still get its own encoding, also under concurrent use.
func TestCachedCallback(t *testing.T) {
	base := callback.Params{URL: "https://app.example.com/cb", Body: `{"object":${object},"uid":${x:uid}}`, BodyType: callback.BodyTypeJSON}
	variants := []callback.Params{
		base,
		{URL: base.URL, Body: base.Body, BodyType: callback.BodyTypeJSON, SNI: true},
		{URL: base.URL, Body: base.Body, BodyType: callback.BodyTypeJSON, Host: "cb.example.com"},
		{URL: "https://other.example.com/cb", Body: "object=${object}"},
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				p := variants[(i+g)%len(variants)]
				got, err := cachedCallback(p)
				if err != nil {
					t.Error(err)
					return
				}
				wantEnc, _ := p.Encode()
				wantVars, _ := p.Vars()
				if diff := cmp.Diff(encodedCallback{wantEnc, wantVars}, got, cmp.AllowUnexported(encodedCallback{})); diff != "" {
					t.Errorf("cachedCallback(%+v) (-want +got):\n%s", p, diff)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// An invalid callback is refused every time, not remembered as valid.
func TestCachedCallbackErrors(t *testing.T) {
	bad := callback.Params{URL: "ftp://x", Body: "a=b"}
	for i := range 3 {
		if _, err := cachedCallback(bad); !errors.Is(err, callback.ErrInvalidParams) {
			t.Errorf("call %d: err = %v, want ErrInvalidParams", i, err)
		}
	}
}

// The V4 key cache must return the right key for every tuple, including
// tuples that share a slot, and under concurrent use (run with -race).
func TestCachedSigningKeyV4(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				secret := fmt.Sprintf("secret-%d", (i+g)%40)
				date := fmt.Sprintf("202401%02d", 1+(i*g)%28)
				region := []string{"cn-hangzhou", "cn-beijing", "eu-central-1"}[i%3]
				got := cachedSigningKeyV4(secret, date, region)
				if want := refSigningKeyV4(secret, date, region); !cmp.Equal(got, want) {
					t.Errorf("cachedSigningKeyV4(%q, %q, %q) = %x, want %x", secret, date, region, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
