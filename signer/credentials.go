package signer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Credentials is an OSS AccessKey pair, optionally with an STS security
// token and its expiry.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string    // empty for a permanent AccessKey
	Expires         time.Time // when temporary credentials stop working; zero for a permanent AccessKey
}

// CredentialsProvider supplies the credentials to sign with, like
// oauth2.TokenSource. The Signer asks it once per signature; wrap a
// provider that makes a network call in CachedCredentials.
type CredentialsProvider interface {
	// GetCredentials returns the current credentials. It must be safe for
	// concurrent use.
	GetCredentials(ctx context.Context) (Credentials, error)
}

// CredentialsProviderFunc adapts a function to CredentialsProvider.
type CredentialsProviderFunc func(ctx context.Context) (Credentials, error)

// GetCredentials returns f(ctx); a nil f reports ErrCredentials.
func (f CredentialsProviderFunc) GetCredentials(ctx context.Context) (Credentials, error) {
	if f == nil {
		return Credentials{}, fmt.Errorf("%w: nil CredentialsProviderFunc", ErrCredentials)
	}
	return f(ctx)
}

// StaticCredentials is a CredentialsProvider that always returns the same
// credentials. An empty AccessKeyID or AccessKeySecret is reported as
// ErrCredentials when asked.
type StaticCredentials Credentials

// GetCredentials returns c, or an error wrapping ErrCredentials when the
// key id or secret is empty.
func (c StaticCredentials) GetCredentials(context.Context) (Credentials, error) {
	cr := Credentials(c)
	if err := cr.checkKey(); err != nil {
		return Credentials{}, err
	}
	return cr, nil
}

// Environment variables read by EnvCredentials: the names the official OSS
// SDKs and ossutil use.
const (
	envAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envSessionToken    = "OSS_SESSION_TOKEN"
)

// EnvCredentials returns a provider that reads OSS_ACCESS_KEY_ID,
// OSS_ACCESS_KEY_SECRET and (for STS) OSS_SESSION_TOKEN on every call, so
// rotated variables take effect without a restart. A missing variable is
// an error wrapping ErrCredentials that names it.
func EnvCredentials() CredentialsProvider {
	return CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		c := Credentials{
			AccessKeyID:     os.Getenv(envAccessKeyID),
			AccessKeySecret: os.Getenv(envAccessKeySecret),
			SecurityToken:   os.Getenv(envSessionToken),
		}
		switch {
		case c.AccessKeyID == "":
			return Credentials{}, fmt.Errorf("%w: environment variable %s is not set", ErrCredentials, envAccessKeyID)
		case c.AccessKeySecret == "":
			return Credentials{}, fmt.Errorf("%w: environment variable %s is not set", ErrCredentials, envAccessKeySecret)
		}
		return c, nil
	})
}

func (c Credentials) checkKey() error {
	switch {
	case c.AccessKeyID == "":
		return fmt.Errorf("%w: empty AccessKeyID", ErrCredentials)
	case c.AccessKeySecret == "":
		return fmt.Errorf("%w: empty AccessKeySecret", ErrCredentials)
	}
	return nil
}

// check refuses credentials that cannot sign at t.
func (c Credentials) check(t time.Time) error {
	if err := c.checkKey(); err != nil {
		return err
	}
	if !c.Expires.IsZero() && !t.Before(c.Expires) {
		return fmt.Errorf("%w: they expired at %s", ErrCredentials, c.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// credentialsError wraps err in ErrCredentials, unless it already is one.
func credentialsError(err error) error {
	if errors.Is(err, ErrCredentials) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrCredentials, err)
}

// defaultRefreshBefore is CachedCredentials.RefreshBefore when zero.
const defaultRefreshBefore = 5 * time.Minute

// CachedCredentials is a CredentialsProvider that reuses Provider's
// credentials until shortly before they expire, like oauth2's
// ReuseTokenSource. Fill it in as a struct literal and share it by pointer.
// Concurrent calls cause at most one call to Provider; a failed refresh
// keeps serving credentials that are still valid, and is logged.
type CachedCredentials struct {
	// Provider supplies fresh credentials. Required.
	Provider CredentialsProvider

	// RefreshBefore is how long before their expiry the credentials are
	// refreshed (at most half their lifetime). Zero means 5 minutes.
	RefreshBefore time.Duration

	// Logger receives failed refreshes that are served from the cache;
	// nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	cur        atomic.Pointer[cached]
	refreshing atomic.Bool
	group      singleflight.Group
}

// cached is one answer of the Provider, with when to refresh it.
type cached struct {
	cr        Credentials
	refreshAt time.Time // zero: never (permanent credentials)
}

// GetCredentials returns the cached credentials, refreshing them when they
// are due. Errors wrap ErrCredentials.
func (c *CachedCredentials) GetCredentials(ctx context.Context) (Credentials, error) {
	now := c.now()
	cur := c.cur.Load()
	switch {
	case cur == nil || cur.cr.check(now) != nil:
		// Nothing usable: every caller waits for the one refresh.
		return c.refresh(ctx)
	case cur.refreshAt.IsZero() || now.Before(cur.refreshAt):
		return cur.cr, nil
	case !c.refreshing.CompareAndSwap(false, true):
		return cur.cr, nil // another caller is refreshing
	}
	defer c.refreshing.Store(false)
	cr, err := c.refresh(ctx)
	if err != nil {
		c.logger().LogAttrs(ctx, slog.LevelWarn, "signer: refreshing credentials failed; using the cached ones until they expire",
			slog.Time("expires", cur.cr.Expires), slog.String("reason", err.Error()))
		return cur.cr, nil
	}
	return cr, nil
}

// refresh asks the Provider once for all concurrent callers. A caller that
// arrives after another's refresh has stored fresh credentials gets those.
func (c *CachedCredentials) refresh(ctx context.Context) (Credentials, error) {
	v, err, _ := c.group.Do("", func() (any, error) {
		now := c.now()
		if cur := c.cur.Load(); cur != nil && cur.cr.check(now) == nil && (cur.refreshAt.IsZero() || now.Before(cur.refreshAt)) {
			return cur.cr, nil
		}
		if c.Provider == nil {
			return nil, fmt.Errorf("%w: CachedCredentials has no Provider", ErrCredentials)
		}
		// The answer is shared: one caller's cancelled request must not
		// fail the others.
		cr, err := c.Provider.GetCredentials(context.WithoutCancel(ctx))
		if err == nil {
			err = cr.check(now)
		}
		if err != nil {
			return nil, credentialsError(err)
		}
		c.cur.Store(&cached{cr: cr, refreshAt: c.refreshAt(cr, now)})
		return cr, nil
	})
	if err != nil {
		return Credentials{}, err
	}
	return v.(Credentials), nil
}

// refreshAt is RefreshBefore ahead of cr's expiry, but not before half its
// remaining life, so that credentials issued for less than RefreshBefore
// are not refreshed on every call.
func (c *CachedCredentials) refreshAt(cr Credentials, now time.Time) time.Time {
	if cr.Expires.IsZero() {
		return time.Time{}
	}
	before := c.RefreshBefore
	if before <= 0 {
		before = defaultRefreshBefore
	}
	return cr.Expires.Add(-min(before, cr.Expires.Sub(now)/2))
}

func (c *CachedCredentials) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *CachedCredentials) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
