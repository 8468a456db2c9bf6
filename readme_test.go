package ossdirect_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/readmetest"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// TestREADMESnippetsAreExamples keeps the README's Go snippets compiled:
// each ```go block must appear, line for line (ignoring indentation and
// blank lines), in this package's Example functions.
func TestREADMESnippetsAreExamples(t *testing.T) {
	examples, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	code := readmetest.Normalize(string(examples))
	blocks := readmetest.Blocks(t, "README.md", "```go")
	if len(blocks) < 4 {
		t.Fatalf("README has %d Go snippets, want at least 4", len(blocks))
	}
	for i, snippet := range blocks {
		if !strings.Contains(code, readmetest.Normalize(snippet)) {
			t.Errorf("README snippet %d is not in example_test.go:\n%s", i+1, snippet)
		}
	}
}

// TestStandaloneEmulatorAsREADMEShows runs the real "ossdirect emulator"
// with the README's flags: its banner is the one "Testing your app" shows
// (but for the port), and its callbacks verify with the key fetched from
// the URL the README's snippet derives from the emulator's URL.
func TestStandaloneEmulatorAsREADMEShows(t *testing.T) {
	// The go command that runs this test is on PATH (runtime.GOROOT,
	// the old fallback, is deprecated since Go 1.24).
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "ossdirect")
	if out, err := exec.Command(goTool, "build", "-o", bin, "./cmd/ossdirect").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "$ ossdirect emulator -addr 127.0.0.1:9000 -access-key-id test-id -access-key-secret test-secret\n"
	_, shown, ok := strings.Cut(string(readme), prompt)
	if !ok {
		t.Fatalf("README does not show %q", prompt)
	}
	shown, _, _ = strings.Cut(shown, "```")
	wantBanner := strings.Split(strings.TrimSpace(shown), "\n")

	cmd := exec.Command(bin, "emulator", "-addr", "127.0.0.1:0", "-access-key-id", "test-id", "-access-key-secret", "test-secret")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	var banner []string
	for len(banner) < len(wantBanner) && sc.Scan() {
		banner = append(banner, sc.Text())
	}
	go io.Copy(io.Discard, stdout) // the request log
	if len(banner) == 0 {
		t.Fatal("the emulator printed nothing")
	}
	base, ok := strings.CutPrefix(banner[0], "listening on ")
	if !ok {
		t.Fatalf("first line %q", banner[0])
	}
	got := strings.ReplaceAll(strings.Join(banner, "\n"), base, "http://127.0.0.1:9000")
	if want := strings.Join(wantBanner, "\n"); got != want {
		t.Fatalf("banner:\n%s\nREADME shows:\n%s", got, want)
	}

	// The README's recipe: the key at the emulator's URL + the fixed path.
	keyURL := base + "/__osstest__/callback_pub_key_v1.pem"
	res, err := http.Get(keyURL)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	key, err := verify.ParsePublicKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	secrets := callback.Secrets{{ID: "t", Key: []byte("a test secret of 32 bytes or so.")}}
	v := &callback.Verifier{Secrets: secrets, Keys: verify.StaticKeys{keyURL: key}, Logger: slog.New(slog.DiscardHandler)}
	var accepted atomic.Int32
	app := httptest.NewServer(v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		accepted.Add(1)
		return map[string]string{"object": ev.Object}, nil
	}))
	defer app.Close()
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: "test-id", AccessKeySecret: "test-secret"},
		Bucket:      "examplebucket", Region: "cn-hangzhou", Endpoint: base, Secrets: secrets,
	}
	tok, err := s.Sign(t.Context(), signer.Upload{
		Key: "t/a.txt", MaxSize: 100,
		Callback: &callback.Params{URL: app.URL + "/cb", Body: callback.FormBody("object")},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := osstest.NewPostRequest(t.Context(), osstest.PostForm{Token: tok, FileName: "a.txt", Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(up.Body)
	up.Body.Close()
	if up.StatusCode != http.StatusOK || string(answer) != `{"object":"t/a.txt"}` || accepted.Load() != 1 {
		t.Fatalf("upload answered %d %s, %d callbacks accepted; want 200 and the app's answer, 1", up.StatusCode, answer, accepted.Load())
	}
}
