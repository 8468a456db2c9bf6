package signer

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// testClock is a clock the test moves; safe for concurrent use.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}

func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// stsProvider stands in for an STS endpoint: each call issues credentials
// numbered by the call, valid for life from the clock's now, or fails
// while failing is set.
type stsProvider struct {
	clock   *testClock
	life    time.Duration
	calls   atomic.Int32
	failing atomic.Bool
	release chan struct{} // if set, each call waits for it to close
}

func (p *stsProvider) GetCredentials(ctx context.Context) (Credentials, error) {
	n := p.calls.Add(1)
	if p.release != nil {
		<-p.release
	}
	if p.failing.Load() {
		return Credentials{}, errors.New("sts: connection refused")
	}
	return Credentials{
		AccessKeyID: "STS.key" + string(rune('0'+n)), AccessKeySecret: "secret", SecurityToken: "token",
		Expires: p.clock.now().Add(p.life),
	}, nil
}

func TestCachedCredentialsReuses(t *testing.T) {
	clock := newTestClock(expiryNow)
	p := &stsProvider{clock: clock, life: time.Hour}
	logs := &lockedBuffer{}
	c := &CachedCredentials{Provider: p, RefreshBefore: 10 * time.Minute, Now: clock.now,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	ctx := context.Background()
	get := func() Credentials {
		t.Helper()
		cr, err := c.GetCredentials(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cr
	}
	first := get()
	for range 5 {
		if cr := get(); cr != first {
			t.Fatalf("got %+v, want the cached %+v", cr, first)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("provider called %d times while the credentials were fresh, want 1", n)
	}

	// Inside the refresh window, a failed refresh serves the still-valid
	// credentials and logs the failure.
	clock.set(first.Expires.Add(-5 * time.Minute))
	p.failing.Store(true)
	if cr := get(); cr != first {
		t.Errorf("failed refresh: got %+v, want the cached %+v", cr, first)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "sts: connection refused") {
		t.Errorf("failed refresh not logged: %q", logs.String())
	}
	if n := p.calls.Load(); n != 2 {
		t.Fatalf("%d provider calls, want 2", n)
	}

	// The next attempt waits refreshRetry, then a refresh that works
	// replaces them, ahead of expiry.
	p.failing.Store(false)
	if cr := get(); cr != first || p.calls.Load() != 2 {
		t.Errorf("right after a failed refresh: %+v after %d calls, want the cached credentials and no new call", cr, p.calls.Load())
	}
	clock.add(refreshRetry)
	second := get()
	if second.AccessKeyID == first.AccessKeyID || !second.Expires.After(first.Expires) {
		t.Errorf("refresh in the window: got %+v, want new credentials", second)
	}

	// Once they expire with the provider failing, the error propagates.
	clock.set(second.Expires)
	p.failing.Store(true)
	if _, err := c.GetCredentials(ctx); !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "sts: connection refused") {
		t.Errorf("after expiry with a failing provider: err = %v, want ErrCredentials with the cause", err)
	}
}

// Credentials issued for less than RefreshBefore are refreshed at half
// their life, not on every call; permanent ones are never refreshed.
func TestCachedCredentialsRefreshWindow(t *testing.T) {
	clock := newTestClock(expiryNow)
	p := &stsProvider{clock: clock, life: 4 * time.Minute}
	c := &CachedCredentials{Provider: p, Now: clock.now} // RefreshBefore: 5 minutes
	ctx := context.Background()
	for _, step := range []struct {
		advance time.Duration
		calls   int32
	}{{0, 1}, {time.Minute, 1}, {59 * time.Second, 1}, {time.Second, 2}, {time.Second, 2}} {
		clock.add(step.advance)
		if _, err := c.GetCredentials(ctx); err != nil {
			t.Fatal(err)
		}
		if n := p.calls.Load(); n != step.calls {
			t.Errorf("at %v: %d provider calls, want %d", clock.now().Sub(expiryNow), n, step.calls)
		}
	}

	perm := &CachedCredentials{Provider: StaticCredentials{AccessKeyID: "id", AccessKeySecret: "sk"}, Now: clock.now}
	if _, err := perm.GetCredentials(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(1000 * time.Hour)
	if cr, err := perm.GetCredentials(ctx); err != nil || cr.AccessKeyID != "id" {
		t.Errorf("permanent credentials after 1000 h: %+v, %v", cr, err)
	}

	var zero CachedCredentials
	if _, err := zero.GetCredentials(ctx); !errors.Is(err, ErrCredentials) {
		t.Errorf("no Provider: err = %v, want ErrCredentials", err)
	}
}

// 1000 concurrent Sign calls across an expiry cause exactly one provider
// call, whether they arrive after the expiry or inside the refresh window.
func TestCachedCredentialsOneRefresh(t *testing.T) {
	for _, at := range []struct {
		name   string
		offset time.Duration // from the first credentials' expiry
	}{{"after expiry", time.Second}, {"in the refresh window", -time.Minute}} {
		t.Run(at.name, func(t *testing.T) {
			clock := newTestClock(expiryNow)
			p := &stsProvider{clock: clock, life: 15 * time.Minute}
			c := &CachedCredentials{Provider: p, Now: clock.now}
			s := &Signer{Credentials: c, Bucket: "b", Region: "cn-hangzhou", Now: clock.now}
			ctx := context.Background()
			if _, err := s.Sign(ctx, workedUpload); err != nil {
				t.Fatal(err)
			}
			clock.set(expiryNow.Add(15*time.Minute + at.offset))
			p.release = make(chan struct{})
			var wg, started sync.WaitGroup
			errs := make(chan error, 1000)
			started.Add(1000)
			for range 1000 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					started.Done()
					_, err := s.Sign(ctx, Upload{KeyPrefix: "u/", MaxSize: 1, Expires: 30 * time.Second})
					errs <- err
				}()
			}
			started.Wait()
			close(p.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := p.calls.Load(); n != 2 {
				t.Errorf("provider called %d times, want 2 (the first Sign, then one refresh)", n)
			}
		})
	}
}

// A provider that fails once the cached credentials have expired makes
// the token endpoint answer 503 and log why, without a panic.
func TestCachedCredentialsFailingAfterExpiry(t *testing.T) {
	clock := newTestClock(expiryNow)
	p := &stsProvider{clock: clock, life: 15 * time.Minute}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	c := &CachedCredentials{Provider: p, Now: clock.now, Logger: logger}
	h := &Handler{Signer: &Signer{Credentials: c, Bucket: "b", Region: "cn-hangzhou", Now: clock.now, Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}},
		Upload: userUpload, Logger: logger}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func() int {
		resp, _ := do(t, srv, "GET", map[string]string{"X-User": "alice"})
		return resp.StatusCode
	}
	if code := get(); code != 200 {
		t.Fatalf("status %d with fresh credentials, want 200", code)
	}
	p.failing.Store(true)
	clock.add(12 * time.Minute) // in the refresh window: still served
	if code := get(); code != 200 {
		t.Errorf("status %d in the refresh window with a failing provider, want 200", code)
	}
	clock.add(3 * time.Minute) // expired
	if code := get(); code != 503 {
		t.Errorf("status %d after expiry with a failing provider, want 503", code)
	}
	if !strings.Contains(logs.String(), "status=503") || !strings.Contains(logs.String(), "sts: connection refused") {
		t.Errorf("503 not logged with its cause: %q", logs.String())
	}
}
