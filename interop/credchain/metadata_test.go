package credchain_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// metadataHost is the address of the ECS metadata service; the providers
// reach the fake one through an HTTP proxy, since they hard-code this host.
const metadataHost = "100.100.100.200"

// The paths and answer of the ECS metadata service for an instance RAM
// role (https://www.alibabacloud.com/help/en/ecs/user-guide/obtain-a-temporary-authorization-token):
// PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds hands
// out a metadata token (IMDSv2), sent back as X-aliyun-ecs-metadata-token;
// GET .../security-credentials/ names the role, and
// GET .../security-credentials/<role> answers the role's STS credentials.
const (
	tokenPath = "/latest/api/token"
	credsPath = "/latest/meta-data/ram/security-credentials/"
	roleName  = "ossdirect-uploader"
)

// generations is how many STS credentials a fakeECS schedules, enough for
// 20 periods (a test that runs longer fails to find its credentials).
const generations = 20

// fakeECS is an ECS metadata server on loopback that rotates STS
// credentials every period: generation g is handed out during
// [t0+g·period, t0+(g+1)·period) and expires at t0+(g+2)·period, so
// credentials are still good for at least one period when handed out, as
// the real service hands out new credentials well before the old expire.
// The emulator knows every generation in advance (Keys).
type fakeECS struct {
	*httptest.Server
	t0     time.Time
	period time.Duration
	// requireToken refuses credential requests without a metadata token
	// (an instance with IMDSv1 disabled).
	requireToken bool

	mu        sync.Mutex
	tokens    map[string]bool
	hosts     map[string]int // Host of each request: the metadata address when proxied
	withToken int            // credential requests that carried a valid token
}

func newFakeECS(t *testing.T, period time.Duration, requireToken bool) *fakeECS {
	// Whole seconds: credentials-go parses Expiration as 2006-01-02T15:04:05Z.
	f := &fakeECS{t0: time.Now().Truncate(time.Second), period: period, requireToken: requireToken,
		tokens: map[string]bool{}, hosts: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeECS) generation(now time.Time) int { return int(now.Sub(f.t0) / f.period) }

// expires is when generation g stops being accepted.
func (f *fakeECS) expires(g int) time.Time { return f.t0.Add(time.Duration(g+2) * f.period) }

// key is generation g as the emulator knows it.
func (f *fakeECS) key(g int) osstest.AccessKey {
	return osstest.AccessKey{
		ID:            fmt.Sprintf("STS.%s.gen%d", f.t0.Format("150405"), g),
		Secret:        fmt.Sprintf("secret-of-generation-%d", g),
		SecurityToken: fmt.Sprintf("CAIS-token-of-generation-%d", g),
		Expires:       f.expires(g),
	}
}

// Keys are all generations, for osstest.Config.AccessKeys.
func (f *fakeECS) Keys() []osstest.AccessKey {
	keys := make([]osstest.AccessKey, generations)
	for g := range keys {
		keys[g] = f.key(g)
	}
	return keys
}

// generationOf finds the generation of an AccessKey id, or -1.
func (f *fakeECS) generationOf(id string) int {
	for g := range generations {
		if f.key(g).ID == id {
			return g
		}
	}
	return -1
}

func (f *fakeECS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hosts[r.Host]++
	if r.Method == http.MethodPut && r.URL.Path == tokenPath {
		if r.Header.Get("X-aliyun-ecs-metadata-token-ttl-seconds") == "" {
			http.Error(w, "missing X-aliyun-ecs-metadata-token-ttl-seconds", http.StatusBadRequest)
			return
		}
		tok := fmt.Sprintf("metadata-token-%d", len(f.tokens))
		f.tokens[tok] = true
		fmt.Fprint(w, tok)
		return
	}
	role, ok := strings.CutPrefix(r.URL.Path, credsPath)
	if r.Method != http.MethodGet || !ok {
		http.NotFound(w, r)
		return
	}
	validToken := f.tokens[r.Header.Get("X-aliyun-ecs-metadata-token")]
	if f.requireToken && !validToken {
		http.Error(w, "metadata token required", http.StatusUnauthorized)
		return
	}
	switch role {
	case "":
		fmt.Fprint(w, roleName)
		return
	case roleName:
	default:
		http.NotFound(w, r)
		return
	}
	if validToken {
		f.withToken++
	}
	now := time.Now()
	g := f.generation(now)
	if g >= generations {
		http.Error(w, "test ran past its last generation of credentials", http.StatusInternalServerError)
		return
	}
	k := f.key(g)
	json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId":     k.ID,
		"AccessKeySecret": k.Secret,
		"SecurityToken":   k.SecurityToken,
		"Expiration":      k.Expires.UTC().Format("2006-01-02T15:04:05Z"),
		"LastUpdated":     now.UTC().Format("2006-01-02T15:04:05Z"),
		"Code":            "Success",
	})
}

// proxied reports how many requests came through a proxy for the metadata
// address, and how many credential requests carried a metadata token.
func (f *fakeECS) proxied() (viaProxy, withToken int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hosts[metadataHost], f.withToken
}
