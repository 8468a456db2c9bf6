package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// sdkModule is the official Go SDK v2, whose own integration tests
// (oss/client_integration_*_test.go, build tag "integration") are run
// against the standalone emulator by TestSDKIntegration.
const sdkModule = "github.com/aliyun/alibabacloud-oss-go-sdk-v2"

// sdkTestTimeout bounds one SDK test; the slowest selected test (the
// downloader's, over a few MiB) takes seconds.
const sdkTestTimeout = 2 * time.Minute

// TestSDKIntegration runs the SDK's own integration tests, unchanged, against
// "ossdirect emulator", with V4 and with V1 signatures. Each selected test
// must end as sdkExpectations says: a test expected to pass that fails
// fails this test, and so does a test expected to fail that passes, so
// that the table (and the README's copy of it) stays true.
//
// Each SDK test runs in its own process of one compiled test binary: the
// SDK's tests dereference results after a failed call, and one panic
// would otherwise end every test after it. Each process gets its own
// bucket prefix (OSS_TEST_BUCKET_PREFIX), because each test's cleanup
// deletes every bucket under the prefix. The endpoint is the emulator's
// loopback IP address, which the SDK addresses path style, so nothing
// leaves the machine but what the tests themselves send out (their
// callback and STS tests, listed as failing). OSSDIRECT_SDK_LOG=<dir>
// keeps each test's output there.
func TestSDKIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs the SDK's integration tests")
	}
	bin := buildSDKIntegrationTests(t)
	for _, version := range []string{"v4", "v1"} {
		t.Run(strings.ToUpper(version), func(t *testing.T) {
			e := startEmulator(t, "LTAI5tSDKIntegration", "sdk-integration-secret-0123456789abcd",
				"-region", testRegion)
			env := []string{
				"OSS_TEST_REGION=" + testRegion,
				// An IP endpoint: the SDK then addresses buckets path
				// style, so no <bucket>.<host> name needs resolving.
				"OSS_TEST_ENDPOINT=" + e.url,
				"OSS_TEST_ACCESS_KEY_ID=" + e.keyID,
				"OSS_TEST_ACCESS_KEY_SECRET=" + e.keySecret,
				"OSS_TEST_SIGNATURE_VERSION=" + version,
			}
			got := runSDKTests(t, bin, env)
			if dir := os.Getenv("OSSDIRECT_SDK_LOG"); dir != "" {
				writeSDKLogs(t, filepath.Join(dir, version), got)
			}
			checkSDKOutcomes(t, got)
		})
	}
}

// buildSDKIntegrationTests copies the SDK module out of the (read-only)
// module cache and compiles its oss package's tests with the integration
// tag into one binary. -trimpath keeps the build cache valid across the
// temporary directories, so only the first run compiles.
func buildSDKIntegrationTests(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", sdkModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", sdkModule, err)
	}
	src := strings.TrimSpace(string(out))
	if src == "" {
		t.Fatalf("%s is not in the module cache (go mod download)", sdkModule)
	}
	dst := filepath.Join(t.TempDir(), "sdk")
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "oss-integration.test")
	build := exec.Command("go", "test", "-c", "-trimpath", "-tags", "integration", "-o", bin, "./oss")
	build.Dir = dst
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("compiling the SDK's integration tests: %v\n%s", err, out)
	}
	return bin
}

// copyTree copies a directory of regular files, writable, as the module
// cache's files are not.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// sdkOutcome is how one SDK test ended: "pass", "fail" or "skip", with the
// test's output for a report.
type sdkOutcome struct {
	action string
	output string
}

// runSDKTests runs each selected SDK test in its own process, two at a
// time, with its output turned into test2json events.
func runSDKTests(t *testing.T, bin string, env []string) map[string]sdkOutcome {
	t.Helper()
	names := make([]string, 0, len(sdkExpectations))
	for name := range sdkExpectations {
		names = append(names, name)
	}
	sort.Strings(names)
	var (
		mu   sync.Mutex
		got  = map[string]sdkOutcome{}
		wg   sync.WaitGroup
		work = make(chan int)
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := runSDKTest(bin, names[i], i, env)
				mu.Lock()
				got[names[i]] = o
				mu.Unlock()
			}
		}()
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	return got
}

// runSDKTest runs one SDK test through "go tool test2json" and reads its
// final event.
func runSDKTest(bin, name string, i int, env []string) sdkOutcome {
	ctx, cancel := context.WithTimeout(context.Background(), sdkTestTimeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "test2json", "-t", bin,
		"-test.v=test2json", "-test.count=1", "-test.timeout="+sdkTestTimeout.String(),
		"-test.run=^"+name+"$")
	cmd.Dir = filepath.Dir(bin)
	// Only what the Go tool needs, and the SDK's test settings: none of a
	// developer's own OSS_* variables.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OSS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, fmt.Sprintf("OSS_TEST_BUCKET_PREFIX=t%02d", i))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stdout
	runErr := cmd.Run()
	o := parseTestEvents(&stdout, name)
	if o.action == "" {
		o = sdkOutcome{action: "fail", output: fmt.Sprintf("no result (%v)\n%s", runErr, stdout.String())}
	}
	return o
}

// testEvent is a line of "go test -json" (cmd/test2json) output.
type testEvent struct {
	Action string
	Test   string
	Output string
}

// parseTestEvents returns the final action of the top-level test name, and
// its output.
func parseTestEvents(r io.Reader, name string) sdkOutcome {
	var o sdkOutcome
	var out strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			out.WriteString(sc.Text() + "\n")
			continue
		}
		if ev.Test != name && !strings.HasPrefix(ev.Test, name+"/") && ev.Test != "" {
			continue
		}
		out.WriteString(ev.Output)
		if ev.Test == name {
			switch ev.Action {
			case "pass", "fail", "skip":
				o.action = ev.Action
			}
		}
	}
	o.output = out.String()
	return o
}

// checkSDKOutcomes compares the outcomes with sdkExpectations.
func checkSDKOutcomes(t *testing.T, got map[string]sdkOutcome) {
	t.Helper()
	passed := 0
	for name, want := range sdkExpectations {
		o := got[name]
		wantPass := want == "pass"
		switch {
		case o.action == "pass" && wantPass:
			passed++
		case o.action == "pass":
			t.Errorf("%s passes now, but sdkExpectations says %q: mark it \"pass\"", name, want)
		case wantPass:
			t.Errorf("%s: %s, expected to pass; output:\n%s", name, o.action, tail(o.output, 4000))
		default:
			t.Logf("%s: %s as expected (%s)", name, o.action, strings.TrimPrefix(want, "fail: "))
		}
	}
	t.Logf("%d of %d selected SDK integration tests pass", passed, len(sdkExpectations))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// writeSDKLogs keeps each SDK test's output in dir (OSSDIRECT_SDK_LOG), for
// reading why a test fails.
func writeSDKLogs(t *testing.T, dir string, got map[string]sdkOutcome) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, o := range got {
		if err := os.WriteFile(filepath.Join(dir, name+"."+o.action), []byte(o.output), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSDKIntegrationREADME: the README's section on the SDK's tests lists
// every selected test as sdkExpectations has it: the passing ones in its
// "pass" line, the others in its table with the same reason.
func TestSDKIntegrationREADME(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## The official SDK's own tests\n")
	if !ok {
		t.Fatal(`README has no "## The official SDK's own tests" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	passLine := ""
	rows := map[string]string{}
	for _, line := range strings.Split(sec, "\n") {
		if strings.HasPrefix(line, "**") && strings.Contains(line, " pass:**") {
			passLine = line
		}
		if cells := strings.Split(line, " | "); len(cells) == 2 && strings.HasPrefix(cells[0], "| `") {
			rows[strings.Trim(cells[0], "| `")] = strings.TrimSuffix(cells[1], " |")
		}
	}
	passed := 0
	for name, want := range sdkExpectations {
		if want == "pass" {
			passed++
			if !strings.Contains(passLine, "`"+name+"`") {
				t.Errorf("README's pass line lacks %s", name)
			}
			continue
		}
		if got := rows[name]; got != strings.TrimPrefix(want, "fail: ") {
			t.Errorf("README's row for %s: %q, want %q", name, got, strings.TrimPrefix(want, "fail: "))
		}
	}
	if want := fmt.Sprintf("**%d of %d pass:**", passed, len(sdkExpectations)); !strings.HasPrefix(passLine, want) {
		t.Errorf("README's pass line %q does not start %q", passLine, want)
	}
	if len(rows) != len(sdkExpectations)-passed {
		t.Errorf("README's table has %d rows, sdkExpectations %d failing tests", len(rows), len(sdkExpectations)-passed)
	}
}
