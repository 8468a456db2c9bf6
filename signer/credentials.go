package signer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Credentials is an OSS AccessKey pair, optionally with an STS security
// token. With STS, AccessKeyID and AccessKeySecret are the temporary pair and
// SecurityToken is sent as the x-oss-security-token form field
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string    // empty for a permanent AccessKey
	Expires         time.Time // when temporary credentials stop working; zero for a permanent AccessKey
}

// CredentialsProvider supplies the credentials to sign with. It is asked once
// per Sign call, so a provider backed by STS can hand out fresh temporary
// credentials without the Signer knowing; it is the one thing that varies
// between deployments (like oauth2.TokenSource, or GetCredentials(ctx) in
// the official Go SDK v2). Implementations must be safe for concurrent use.
type CredentialsProvider interface {
	GetCredentials(ctx context.Context) (Credentials, error)
}

// CredentialsProviderFunc adapts a function to CredentialsProvider.
type CredentialsProviderFunc func(ctx context.Context) (Credentials, error)

// GetCredentials returns f(ctx); a nil f has no credentials
// (ErrNoCredentials) rather than panicking the token endpoint.
func (f CredentialsProviderFunc) GetCredentials(ctx context.Context) (Credentials, error) {
	if f == nil {
		return Credentials{}, fmt.Errorf("%w: nil CredentialsProviderFunc", ErrNoCredentials)
	}
	return f(ctx)
}

// StaticCredentials is a CredentialsProvider that always returns the same
// credentials. An empty AccessKeyID or AccessKeySecret is reported as
// ErrNoCredentials when asked, not silently used to sign.
type StaticCredentials Credentials

// GetCredentials returns c, or an error wrapping ErrNoCredentials when the
// key id or secret is empty.
func (c StaticCredentials) GetCredentials(context.Context) (Credentials, error) {
	cr := Credentials(c)
	if err := cr.check(); err != nil {
		return Credentials{}, err
	}
	return cr, nil
}

// Environment variable names read by EnvCredentials; the same names the
// official OSS SDKs and ossutil use.
const (
	EnvAccessKeyID     = "OSS_ACCESS_KEY_ID"
	EnvAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	EnvSessionToken    = "OSS_SESSION_TOKEN"
)

// ErrNoCredentials means a provider has no usable AccessKey: an empty key id
// or secret, or the environment variables are not set.
var ErrNoCredentials = errors.New("signer: no OSS credentials")

// EnvCredentials returns a provider that reads OSS_ACCESS_KEY_ID,
// OSS_ACCESS_KEY_SECRET and (optionally, for STS) OSS_SESSION_TOKEN on every
// call, so rotated variables take effect without a restart. A missing key id
// or secret yields an error wrapping ErrNoCredentials that names the
// variable.
func EnvCredentials() CredentialsProvider {
	return CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		c := Credentials{
			AccessKeyID:     os.Getenv(EnvAccessKeyID),
			AccessKeySecret: os.Getenv(EnvAccessKeySecret),
			SecurityToken:   os.Getenv(EnvSessionToken),
		}
		switch {
		case c.AccessKeyID == "":
			return Credentials{}, fmt.Errorf("%w: environment variable %s is not set", ErrNoCredentials, EnvAccessKeyID)
		case c.AccessKeySecret == "":
			return Credentials{}, fmt.Errorf("%w: environment variable %s is not set", ErrNoCredentials, EnvAccessKeySecret)
		}
		return c, nil
	})
}

func (c Credentials) check() error {
	switch {
	case c.AccessKeyID == "":
		return fmt.Errorf("%w: empty AccessKeyID", ErrNoCredentials)
	case c.AccessKeySecret == "":
		return fmt.Errorf("%w: empty AccessKeySecret", ErrNoCredentials)
	}
	return nil
}
