package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the ossdirect command built once by TestMain: the tests run
// it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ossdirect-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ossdirect")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		// -race needs cgo; fall back to a plain build.
		if out2, err2 := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err2 != nil {
			fmt.Fprintf(os.Stderr, "building ossdirect: %v\n%s\n%s", err2, out, out2)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the binary with args, extra environment variables
// ("NAME=value") and stdin, and waits for it.
func runCmd(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running ossdirect %q: %v", args, err)
	}
	return res
}

// cleanEnv is the test process's environment without the variables the
// commands read, so that a developer's own credentials never leak in.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", envCallbackSecret:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// emulatorProc is a running "ossdirect emulator".
type emulatorProc struct {
	cmd       *exec.Cmd
	URL       string
	KeyID     string
	KeySecret string
	PubKeyURL string
	lines     chan string // stdout after the banner, line by line
	stderr    *bytes.Buffer
}

var (
	listeningRE = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)$`)
	keyIDRE     = regexp.MustCompile(`^access key id (\S+)$`)
	keySecretRE = regexp.MustCompile(`^access key secret (\S+)$`)
	pubKeyRE    = regexp.MustCompile(`^callbacks are signed with the public key at (\S+)$`)
)

// startEmulator starts the emulator on a free loopback port and reads its
// banner: the first line says where it listens. It is stopped with SIGINT
// at the end of the test unless stopped before.
func startEmulator(t *testing.T, args ...string) *emulatorProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"emulator", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &emulatorProc{cmd: cmd, lines: make(chan string, 1024), stderr: new(bytes.Buffer)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
		}
	})
	first := p.next(t)
	m := listeningRE.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q, want %q", first, "listening on http://127.0.0.1:PORT")
	}
	p.URL = m[1]
	p.KeyID = p.waitLine(t, keyIDRE)[1]
	p.KeySecret = p.waitLine(t, keySecretRE)[1]
	p.PubKeyURL = p.waitLine(t, pubKeyRE)[1]
	return p
}

// lineTimeout bounds how long a test waits for an expected line before
// failing; it never delays a passing test.
const lineTimeout = 30 * time.Second

// next returns the next line of output.
func (p *emulatorProc) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.cmd.Wait()
			t.Fatalf("emulator output ended; stderr: %s", p.stderr)
		}
		return l
	case <-time.After(lineTimeout):
		t.Fatalf("no output from the emulator in %v", lineTimeout)
	}
	return ""
}

// waitLine reads lines until one matches re and returns its submatches.
func (p *emulatorProc) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	var seen []string
	for {
		l := p.next(t)
		if m := re.FindStringSubmatch(l); m != nil {
			return m
		}
		seen = append(seen, l)
		if len(seen) > 100 {
			t.Fatalf("no line matching %q in:\n%s", re, strings.Join(seen, "\n"))
		}
	}
}

// stop sends sig and returns the exit code and the rest of the output.
func (p *emulatorProc) stop(t *testing.T, sig os.Signal) (int, string) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range p.lines {
		rest = append(rest, l)
	}
	err := p.cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, strings.Join(rest, "\n")
}
