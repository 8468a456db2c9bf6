package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
)

// Exit statuses: 0 success, 1 a failure the command reports (a callback
// that does not verify, credentials missing), 2 a usage error, as the flag
// package's own programs do.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// envCallbackSecret holds the secret callback URLs are bound with, and
// envCallbackSecretID its ID (default defaultCallbackSecretID).
const (
	envCallbackSecret       = "OSSDIRECT_CALLBACK_SECRET"
	envCallbackSecretID     = "OSSDIRECT_CALLBACK_SECRET_ID"
	defaultCallbackSecretID = "default"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env *environ) int
}

// environ is what a command may use of its process, so that each command
// is written against streams rather than os.Stdout.
type environ struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands = []command{
	{"emulator", "serve an emulated OSS bucket on a local port", runEmulator},
	{"presign", "print a presigned URL for one request", runPresign},
	{"sign", "print a PostObject token (or a curl command using it)", runSign},
	{"diagnose", "check whether a captured callback request verifies, and why not", runDiagnose},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &environ{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, env *environ) int {
	if len(args) == 0 {
		usage(env.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(env.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env)
		}
	}
	fmt.Fprintf(env.stderr, "ossdirect: unknown command %q\n", args[0])
	usage(env.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ossdirect <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"ossdirect <command> -h\" for a command's flags.")
}

// newFlags returns a flag set whose usage starts with synopsis and ends
// with notes. Parse it with parseFlags.
func newFlags(name, synopsis, notes string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: ossdirect %s %s\n\n", name, synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		if notes != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(notes))
		}
	}
	return fs
}

// parseFlags parses args, whose flags may come before, between or after
// the positional arguments (up to a "--", after which everything is
// positional), and returns the positional arguments. ok is false when the
// command must return code: 0 after -h (usage on stdout), 2 after a bad
// flag (message and usage on stderr).
func parseFlags(fs *flag.FlagSet, args []string, env *environ) (positional []string, code int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(env.stderr, "ossdirect %s: %v\n", fs.Name(), err)
			fs.SetOutput(env.stderr)
			fs.Usage()
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), 0, true
		}
		if len(rest) == 0 {
			return positional, 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a bad combination of flags or arguments, found after
// parsing, as a usage error (exit 2).
func usageError(env *environ, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(env.stderr, "ossdirect %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fmt.Fprintf(env.stderr, "Run \"ossdirect %s -h\" for usage.\n", fs.Name())
	return exitUsage
}

// fail reports a failure that is not the command line's fault (exit 1).
func fail(env *environ, name string, err error) int {
	fmt.Fprintf(env.stderr, "ossdirect %s: %v\n", name, err)
	return exitFail
}

// signFailed reports an error of signing: what the flags asked for is
// refused (a usage error, exit 2), or the credentials are unavailable
// (exit 1).
func signFailed(env *environ, fs *flag.FlagSet, err error) int {
	if errors.Is(err, signer.ErrInvalidUpload) || errors.Is(err, signer.ErrInvalidSigner) {
		return usageError(env, fs, "%v", err)
	}
	return fail(env, fs.Name(), err)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// signerNotes ends the usage of the commands that take signerFlags: where
// the credentials and the callback binding secret come from.
const signerNotes = `Credentials come from OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and, for STS
temporary credentials, OSS_SESSION_TOKEN. With -callback-url, the callback
URL is bound with the secret in OSSDIRECT_CALLBACK_SECRET (at least 16
bytes), whose ID is OSSDIRECT_CALLBACK_SECRET_ID (default "default"): the
callback handler's Verifier.Secrets must hold that Secret.`

// signerFlags are the flags presign and sign share: which bucket, how to
// sign, as of when, and the callback.
type signerFlags struct {
	bucket, region, endpoint, signature, at string
	callbackURL, callbackBody               string
}

func (f *signerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.bucket, "bucket", "", "bucket `name` (required)")
	fs.StringVar(&f.region, "region", "", "bucket `region`, e.g. cn-hangzhou (required)")
	fs.StringVar(&f.endpoint, "endpoint", "", "base `URL` of the bucket, e.g. an emulator's http://127.0.0.1:9000 (default https://<bucket>.oss-<region>.aliyuncs.com)")
	fs.StringVar(&f.signature, "signature", "v4", "signature `version`: v4 or v1")
	fs.StringVar(&f.at, "time", "", "sign as of this RFC 3339 `instant` instead of now, e.g. 2025-01-02T03:04:05Z")
	fs.StringVar(&f.callbackURL, "callback-url", "", "upload callback `URL`(s, up to five separated by \";\"); needs "+envCallbackSecret)
	fs.StringVar(&f.callbackBody, "callback-body", "", "callback body `template`; a JSON object makes a JSON body (default bucket, object, etag, size and mimeType as a form)")
}

// signer builds the Signer the flags describe, with the credentials and
// the callback binding secret of the process environment. Its errors are
// usage errors.
func (f *signerFlags) signer() (*signer.Signer, error) {
	if f.bucket == "" || f.region == "" {
		return nil, errors.New("-bucket and -region are required")
	}
	s := &signer.Signer{Credentials: signer.EnvCredentials(), Bucket: f.bucket, Region: f.region, Endpoint: strings.TrimSuffix(f.endpoint, "/")}
	switch strings.ToLower(f.signature) {
	case "v4":
		s.Version = signer.V4
	case "v1":
		s.Version = signer.V1
	default:
		return nil, fmt.Errorf("-signature %q: want v4 or v1", f.signature)
	}
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return nil, fmt.Errorf("-time: %w", err)
		}
		s.Now = func() time.Time { return t }
	}
	if f.callbackURL != "" {
		id := os.Getenv(envCallbackSecretID)
		if id == "" {
			id = defaultCallbackSecretID
		}
		s.Secrets = callback.Secrets{{ID: id, Key: []byte(os.Getenv(envCallbackSecret))}}
		if err := s.Secrets.Validate(); err != nil {
			return nil, fmt.Errorf("-callback-url needs the secret callback URLs are bound with in %s (and its ID in %s; the callback handler's Verifier.Secrets): %w",
				envCallbackSecret, envCallbackSecretID, err)
		}
	} else if f.callbackBody != "" {
		return nil, errors.New("-callback-body needs -callback-url")
	}
	return s, nil
}

// callback returns the callback the flags describe, or nil.
func (f *signerFlags) callback() *callback.Params {
	if f.callbackURL == "" {
		return nil
	}
	p := &callback.Params{URL: f.callbackURL, Body: f.callbackBody}
	if p.Body == "" {
		p.Body = callback.FormBody("bucket", "object", "etag", "size", "mimeType")
	}
	if strings.HasPrefix(strings.TrimSpace(p.Body), "{") {
		p.BodyType = callback.BodyTypeJSON
	}
	return p
}
