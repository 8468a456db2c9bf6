// Package credchain plugs the official Alibaba Cloud credential providers
// into signer.CredentialsProvider, expiry included: the providers of the
// OSS Go SDK v2 (environment, ECS RAM role, process, fetcher) with
// FromSDK, and github.com/aliyun/credentials-go with FromCredentialsGo.
//
// It lives in the interop module so that the library keeps its two
// dependencies. Each adapter is a few lines an application copies (the
// README shows them); the tests drive them against a fake ECS metadata
// server that hands out STS credentials expiring every few seconds, and the
// emulator, which refuses a token once it has expired.
package credchain

import (
	"context"
	"sync"
	"time"

	sdkcreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials"

	"github.com/ossdirect/ossdirect/signer"
)

// FromSDK adapts a credentials provider of the OSS Go SDK v2. The SDK
// reports when STS credentials expire (nil for an AccessKey that does not).
// Wrap a provider that does not cache (NewEcsRoleCredentialsProviderWithoutRefresh,
// NewProcessCredentialsProvider) in signer.CachedCredentials, which also
// serializes its calls.
func FromSDK(p sdkcreds.CredentialsProvider) signer.CredentialsProvider {
	return signer.CredentialsProviderFunc(func(ctx context.Context) (signer.Credentials, error) {
		c, err := p.GetCredentials(ctx)
		if err != nil {
			return signer.Credentials{}, err
		}
		cr := signer.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
		if c.Expires != nil {
			cr.Expires = *c.Expires
		}
		return cr, nil
	})
}

// CredentialsGoValidity is how long STS credentials returned by
// credentials-go are still good for at least. credentials-go does not say
// when they expire, but its STS providers (ECS RAM role, RAM role ARN,
// OIDC) fetch new ones once 180 s or less remain (needUpdateCredential in
// its providers package), and STS issues them for 15 minutes or more
// (DurationSeconds, https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
// What the Signer signs with them lasts at most this long.
const CredentialsGoValidity = 170 * time.Second

// FromCredentialsGo adapts a github.com/aliyun/credentials-go Credential.
// STS credentials are given Expires = now + validFor (CredentialsGoValidity
// in production), since credentials-go does not report their expiry. Calls
// are serialized: credentials-go's providers are not safe for concurrent use.
func FromCredentialsGo(c credentials.Credential, validFor time.Duration) signer.CredentialsProvider {
	var mu sync.Mutex
	return signer.CredentialsProviderFunc(func(context.Context) (signer.Credentials, error) {
		mu.Lock()
		m, err := c.GetCredential()
		mu.Unlock()
		if err != nil {
			return signer.Credentials{}, err
		}
		cr := signer.Credentials{AccessKeyID: deref(m.AccessKeyId), AccessKeySecret: deref(m.AccessKeySecret), SecurityToken: deref(m.SecurityToken)}
		if cr.SecurityToken != "" {
			cr.Expires = time.Now().Add(validFor)
		}
		return cr, nil
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
