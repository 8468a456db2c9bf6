package credchain_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkcreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ossdirect/ossdirect/interop/credchain"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// printCredentialsEnv makes the test binary, run as the SDK's process
// credentials command, print the credentials the URL it names answers.
const printCredentialsEnv = "CREDCHAIN_PRINT_CREDENTIALS_FROM"

// envMetadata is the fake ECS metadata service that the HTTP_PROXY of this
// test binary leads to: the SDK's ECS RAM role provider has no option for
// its address (http://100.100.100.200), but its HTTP client honours the
// standard proxy variables, read once per process, hence TestMain.
var envMetadata atomic.Pointer[fakeECS]

func TestMain(m *testing.M) {
	if url := os.Getenv(printCredentialsEnv); url != "" {
		os.Exit(printCredentials(url))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := envMetadata.Load(); f != nil {
			f.serve(w, r)
			return
		}
		http.Error(w, "no fake metadata service in this test", http.StatusBadGateway)
	}))
	// Loopback addresses are never proxied, so the emulator is reached
	// directly; only the metadata address goes through the proxy.
	os.Setenv("HTTP_PROXY", "http://"+ln.Addr().String())
	os.Unsetenv("http_proxy")
	os.Unsetenv("NO_PROXY")
	os.Unsetenv("no_proxy")
	os.Exit(m.Run())
}

func printCredentials(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil || resp.StatusCode != 200 {
		fmt.Fprintln(os.Stderr, "credentials:", resp.Status, err)
		return 1
	}
	return 0
}

// useAsEnvMetadata makes f the metadata service behind HTTP_PROXY for the
// rest of t; tests that call it do not run in parallel with each other.
func useAsEnvMetadata(t *testing.T, f *fakeECS) {
	if !envMetadata.CompareAndSwap(nil, f) {
		t.Fatal("another test uses the proxied metadata service")
	}
	t.Cleanup(func() { envMetadata.Store(nil) })
}

// period is how often the fake metadata servers rotate credentials;
// each is handed out with between one and two periods left. The Signer
// needs one second left to sign for one second.
const period = 2 * time.Second

// upload is one PostObject and one presigned PutObject signed by s now,
// each valid for one period. Neither may outlive the credentials that
// signed it (the generation's own expiry, which f knows).
func upload(t *testing.T, f *fakeECS, srv *osstest.Server, s *signer.Signer, name string) {
	t.Helper()
	ctx := context.Background()
	tok, err := s.Sign(ctx, signer.Upload{Key: "post/" + name, MaxSize: 1 << 10, Expires: period})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if g := f.generationOf(tokenKeyID(tok)); g < 0 || time.Unix(tok.Expire, 0).After(f.expires(g)) {
		t.Errorf("token of %s expires at %v, after its credentials", tokenKeyID(tok), time.Unix(tok.Expire, 0))
	}
	if code := post(t, srv, tok); code != "" {
		t.Fatalf("PostObject %s: %s", name, code)
	}
	pre, err := s.Presign(ctx, signer.Request{Key: "put/" + name, Expires: period})
	if err != nil {
		t.Fatalf("Presign: %v", err)
	}
	if g := f.generationOf(presignedKeyID(t, pre.URL)); g < 0 || pre.Expires.After(f.expires(g)) {
		t.Errorf("presigned URL of %s expires at %v, after its credentials", presignedKeyID(t, pre.URL), pre.Expires)
	}
	req, _ := http.NewRequest(http.MethodPut, pre.URL, strings.NewReader("presigned "+name))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT %s: %d %s", name, resp.StatusCode, body)
	}
	if got, _ := srv.Object("put/" + name); string(got.Content) != "presigned "+name {
		t.Fatalf("put/%s holds %q", name, got.Content)
	}
}

// presignedKeyID is the AccessKey id in a presigned URL (V1 or V4).
func presignedKeyID(t *testing.T, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if id := q.Get("OSSAccessKeyId"); id != "" {
		return id
	}
	id, _, _ := strings.Cut(q.Get("x-oss-credential"), "/")
	return id
}

// post sends a PostObject with tok and returns "" for 200, else the
// status and OSS error code.
func post(t *testing.T, srv *osstest.Server, tok *signer.Token) string {
	t.Helper()
	req, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, FileName: "f.txt", Body: strings.NewReader("a form upload")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || resp.StatusCode == 204 {
		return ""
	}
	oe, err := osstest.ParseError(resp.StatusCode, body)
	if err != nil {
		return fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, oe.Code)
}

// nextGeneration asks p until it hands out credentials other than prev's,
// and returns them. What it waits for is the wall clock reaching the fake
// server's next rotation (or prev's expiry), which the providers read from
// time.Now; it polls with a deadline because nothing can announce it.
func nextGeneration(t *testing.T, p signer.CredentialsProvider, prev signer.Credentials) signer.Credentials {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := p.GetCredentials(context.Background())
		if err != nil {
			t.Fatalf("GetCredentials: %v", err)
		}
		if c.AccessKeyID != prev.AccessKeyID {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s after 5 s", prev.AccessKeyID)
		}
		<-tick.C
	}
}

// untilExpired waits for the wall clock to pass exp, the instant the
// emulator (on time.Now) starts refusing a generation.
func untilExpired(exp time.Time) {
	timer := time.NewTimer(time.Until(exp) + time.Millisecond)
	defer timer.Stop()
	<-timer.C
}

// rotate drives p through rotations of f's credentials: uploads signed
// with each generation, V4 and V1, are accepted. A token signed with the
// same credentials without their expiry outlives them, and the emulator
// refuses it with SecurityTokenExpired: what the Signer's shortening
// prevents. exact says whether p reports the generation's own expiry (the
// SDK's providers) or a lower bound of it (credentials-go).
func rotate(t *testing.T, f *fakeECS, p signer.CredentialsProvider, exact bool, rotations int) {
	srv := newBucket(t, f.Keys())
	signers := map[signer.Version]*signer.Signer{}
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		signers[v] = srv.Signer()
		signers[v].Credentials = p
		signers[v].Version = v
	}
	c, err := p.GetCredentials(context.Background())
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}
	for round := 0; ; round++ {
		g := f.generationOf(c.AccessKeyID)
		if g < 0 || c.AccessKeySecret != f.key(g).Secret || c.SecurityToken != f.key(g).SecurityToken {
			t.Fatalf("credentials %+v are not the fake metadata server's", c)
		}
		switch want := f.expires(g); {
		case exact && !c.Expires.Equal(want):
			t.Errorf("generation %d: Expires %v, want %v", g, c.Expires, want)
		case !exact && (c.Expires.IsZero() || c.Expires.After(want)):
			t.Errorf("generation %d: Expires %v, want a time no later than %v", g, c.Expires, want)
		}
		for v, s := range signers {
			upload(t, f, srv, s, fmt.Sprintf("%s-round%d", v, round))
		}
		if round == rotations {
			return
		}
		unbounded := srv.Signer()
		unbounded.Credentials = signer.StaticCredentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
		stale, err := unbounded.Sign(context.Background(), signer.Upload{Key: "stale", MaxSize: 1 << 10, Expires: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		next := nextGeneration(t, p, c)
		untilExpired(f.expires(g))
		if code := post(t, srv, stale); code != "403 SecurityTokenExpired" {
			t.Errorf("token of generation %d after its expiry: %q, want 403 SecurityTokenExpired", g, code)
		}
		c = next
	}
}

// newBucket is an emulator that accepts keys, each until its expiry.
func newBucket(t *testing.T, keys []osstest.AccessKey) *osstest.Server {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// tokenKeyID is the AccessKey id a PostObject token was signed with.
func tokenKeyID(tok *signer.Token) string {
	if id, ok := tok.Fields["OSSAccessKeyId"]; ok {
		return id
	}
	id, _, _ := strings.Cut(tok.Fields["x-oss-credential"], "/")
	return id
}

// The SDK's ECS RAM role provider finds the role and its credentials at
// the metadata service and reports their expiry; signer.CachedCredentials
// refreshes them ahead of it.
func TestSDKEcsRoleProvider(t *testing.T) {
	t.Parallel()
	f := newFakeECS(t, period, false)
	useAsEnvMetadata(t, f)
	p := &signer.CachedCredentials{
		Provider:      credchain.FromSDK(sdkcreds.NewEcsRoleCredentialsProviderWithoutRefresh()),
		RefreshBefore: period,
	}
	rotate(t, f, p, true, 2)
	if via, _ := f.proxied(); via == 0 {
		t.Error("no request for the metadata address reached the fake server")
	}
}

// The SDK's process provider, wrapped in its refreshing fetcher, runs a
// command that prints the credentials as JSON (here this test binary,
// printing what the fake metadata server answers) and reports their expiry;
// the SDK's fetcher reuses them until they expire.
func TestSDKProcessProviderWithFetcher(t *testing.T) {
	t.Parallel()
	f := newFakeECS(t, period, false)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := fmt.Sprintf("%s=%s%s%s '%s'", printCredentialsEnv, f.URL, credsPath, roleName, exe)
	proc := sdkcreds.NewProcessCredentialsProvider(cmd)
	rotate(t, f, credchain.FromSDK(sdkcreds.NewCredentialsFetcherProvider(sdkcreds.CredentialsFetcherFunc(proc.GetCredentials))), true, 1)
}

// credentials-go's ECS RAM role provider on an instance with IMDSv1
// disabled: it asks for a metadata token first, through the proxy its
// HttpOptions name. It does not report expiry, so the adapter's is a bound
// (here the fake server's one period, CredentialsGoValidity in production).
func TestCredentialsGoEcsRoleProvider(t *testing.T) {
	t.Parallel()
	f := newFakeECS(t, period, true)
	ecs, err := providers.NewECSRAMRoleCredentialsProviderBuilder().
		WithRoleName(roleName).
		WithDisableIMDSv1(true).
		WithHttpOptions(&providers.HttpOptions{Proxy: f.URL}).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	rotate(t, f, credchain.FromCredentialsGo(credentials.FromCredentialsProvider("ecs_ram_role", ecs), f.period), false, 2)
	if via, withToken := f.proxied(); via == 0 || withToken == 0 {
		t.Errorf("%d requests for the metadata address, %d credential requests with a metadata token; want both", via, withToken)
	}
}

// Providers of AccessKeys that do not expire, or whose expiry the source
// does not give (environment variables), leave Expires zero; the emulator
// accepts what they sign.
func TestProvidersWithoutExpiry(t *testing.T) {
	f := newFakeECS(t, time.Hour, false)
	k := f.key(0)
	t.Setenv("OSS_ACCESS_KEY_ID", k.ID)
	t.Setenv("OSS_ACCESS_KEY_SECRET", k.Secret)
	t.Setenv("OSS_SESSION_TOKEN", k.SecurityToken)
	static, err := credentials.NewCredential(&credentials.Config{Type: ptr("access_key"), AccessKeyId: ptr(k.ID), AccessKeySecret: ptr(k.Secret)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    signer.CredentialsProvider
		sts  bool
	}{
		{"SDK environment (STS)", credchain.FromSDK(sdkcreds.NewEnvironmentVariableCredentialsProvider()), true},
		{"credentials-go access_key", credchain.FromCredentialsGo(static, credchain.CredentialsGoValidity), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := f.Keys()
			if !tc.sts {
				keys[0].SecurityToken = ""
			}
			srv := newBucket(t, keys[:1])
			s := srv.Signer()
			s.Credentials = tc.p
			c, err := tc.p.GetCredentials(context.Background())
			if err != nil || !c.Expires.IsZero() || (c.SecurityToken != "") != tc.sts {
				t.Fatalf("GetCredentials: %+v, %v", c, err)
			}
			upload(t, f, srv, s, strings.ReplaceAll(tc.name, " ", "_"))
		})
	}
}

// A provider's error reaches the Signer's caller as ErrCredentials, with
// the provider's own message.
func TestProviderErrors(t *testing.T) {
	f := newFakeECS(t, time.Second, false)
	ecs, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName("no-such-role"). // 404
													WithHttpOptions(&providers.HttpOptions{Proxy: f.URL}).Build()
	if err != nil {
		t.Fatal(err)
	}
	proc := sdkcreds.NewProcessCredentialsProvider("echo '{}'")
	for name, p := range map[string]signer.CredentialsProvider{
		"credentials-go ECS with an unknown role": credchain.FromCredentialsGo(credentials.FromCredentialsProvider("ecs_ram_role", ecs), time.Second),
		"SDK process without keys":                credchain.FromSDK(proc),
	} {
		t.Run(name, func(t *testing.T) {
			s := &signer.Signer{Credentials: p, Bucket: "examplebucket", Region: "cn-hangzhou"}
			_, err := s.Sign(context.Background(), signer.Upload{KeyPrefix: "u/", MaxSize: 10})
			if !errors.Is(err, signer.ErrCredentials) {
				t.Fatalf("Sign: %v, want ErrCredentials", err)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// The adapters keep signer.CredentialsProvider's promise of being safe for
// concurrent use (run with -race): the Signer asks once per Sign, from
// every request's goroutine.
func TestConcurrentUse(t *testing.T) {
	f := newFakeECS(t, time.Hour, false)
	ecs, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(roleName).WithDisableIMDSv1(true).
		WithHttpOptions(&providers.HttpOptions{Proxy: f.URL}).Build()
	if err != nil {
		t.Fatal(err)
	}
	useAsEnvMetadata(t, f)
	for name, p := range map[string]signer.CredentialsProvider{
		"credentials-go ECS":                        credchain.FromCredentialsGo(credentials.FromCredentialsProvider("ecs_ram_role", ecs), time.Minute),
		"SDK ECS with refresh":                      credchain.FromSDK(sdkcreds.NewEcsRoleCredentialsProvider()),
		"SDK ECS without refresh, cached by signer": &signer.CachedCredentials{Provider: credchain.FromSDK(sdkcreds.NewEcsRoleCredentialsProviderWithoutRefresh())},
	} {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						if c, err := p.GetCredentials(context.Background()); err != nil || f.generationOf(c.AccessKeyID) != 0 {
							t.Errorf("GetCredentials: %+v, %v", c, err)
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
