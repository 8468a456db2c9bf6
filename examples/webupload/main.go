// Command webupload is the whole ossdirect flow in a browser: a page that
// uploads files straight to OSS with a policy signed by this app, and the
// callback endpoint OSS calls before it answers the browser.
//
//	go run ./examples/webupload
//
// With no OSS_ACCESS_KEY_ID in the environment it starts the embedded OSS
// emulator (package osstest) on another loopback port, so the browser really
// posts cross-origin, and trusts only the emulator's callback key. With
// OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET (optional OSS_SESSION_TOKEN),
// OSS_REGION and OSS_BUCKET (optional OSS_ENDPOINT) it signs for that real
// bucket and trusts only OSS's callback key; -public-url must then be the
// app's address as OSS reaches it from the internet.
//
// Ctrl-C or SIGTERM shuts it down gracefully. A missing variable for the
// real bucket, or a bad flag, stops it at start with exit status 1 or 2.
//
// Flags:
//
//	-addr        listen address (default 127.0.0.1:8080; port 0 picks a free one)
//	-signature   v4 or v1 (default v4)
//	-public-url  the app's public base URL, used for callbackUrl
//	-max-size    largest file accepted, in bytes (default 64 MiB)
//	-multipart-threshold
//	             larger files go by presigned multipart upload (default 8 MiB);
//	             the POST policy allows at most this size
//	-part-size   multipart part size in bytes (default 5 MiB)
//	-types       comma-separated allowed content types ("" = any)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// defaultTypes is a list a demo user is likely to pick from; OSS enforces
// it through the policy's "in $x-oss-content-type" condition, the field it
// stores as the object's type ahead of the file part's own type
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
const defaultTypes = "image/jpeg,image/png,image/gif,image/webp,image/svg+xml,text/plain,text/markdown,text/csv,application/pdf,application/json,application/zip,video/mp4"

func main() {
	log.SetFlags(0)
	// Ctrl-C and SIGTERM (docker stop, systemd, Kubernetes) both shut the
	// servers down gracefully.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
		// Errors from this package already start with "webupload: ".
		log.Printf("webupload: %s", strings.TrimPrefix(err.Error(), "webupload: "))
	}
	os.Exit(exitCode(err))
}

// errUsage wraps a bad command line; the flag package has already printed
// the problem and the usage.
var errUsage = errors.New("usage")

// exitCode is 0 for a clean shutdown or -help, 2 for a bad command line
// (as the flag package's ExitOnError), and 1 for anything else.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

// shutdownGrace bounds how long a shutdown waits for requests in progress.
const shutdownGrace = 10 * time.Second

// run serves until ctx is cancelled, then shuts down gracefully: no new
// connections, requests in progress finish (up to shutdownGrace), the
// deletions of refused objects and status changes (status.go) finish,
// then the emulator stops. It logs to logw.
func run(ctx context.Context, args []string, logw io.Writer) error {
	logger := log.New(logw, "", 0)
	fl := flag.NewFlagSet("webupload", flag.ContinueOnError)
	fl.SetOutput(logw)
	addr := fl.String("addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	sigVersion := fl.String("signature", "v4", "POST signature version: v4 or v1")
	publicURL := fl.String("public-url", "", "the app's public base URL, used for callbackUrl (default http://<addr>)")
	maxSize := fl.Int64("max-size", defaultMaxSize, "largest file accepted, in bytes")
	threshold := fl.Int64("multipart-threshold", defaultMultipartThreshold, "larger files go by presigned multipart upload, in bytes")
	partSize := fl.Int64("part-size", defaultPartSize, "multipart part size, in bytes")
	types := fl.String("types", defaultTypes, `comma-separated allowed content types ("" = any)`)
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	version, err := parseVersion(*sigVersion)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	appURL := "http://" + browsableAddr(ln.Addr())
	if *publicURL == "" {
		*publicURL = appURL
	}

	cfg := Config{
		PublicURL:    *publicURL,
		Version:      version,
		MaxSize:      *maxSize,
		ContentTypes: splitList(*types),

		MultipartThreshold: *threshold,
		PartSize:           *partSize,
	}
	if os.Getenv(envAccessKeyID) != "" {
		if err := realBucket(&cfg); err != nil {
			return err
		}
		if !reachableFromOSS(cfg.PublicURL) {
			logger.Printf("warning: callbackUrl %s/oss/callback is not reachable from OSS; pass -public-url", cfg.PublicURL)
		}
	} else {
		emu, err := startEmulator(cfg.PublicURL, appURL)
		if err != nil {
			return err
		}
		// Deferred before the app server is shut down below, so it runs
		// after: the app's callbacks in progress finish first.
		defer emu.Close()
		cfg.Mode = "emulator"
		ak := emu.AccessKey()
		cfg.Credentials = signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret, SecurityToken: ak.SecurityToken}
		cfg.Bucket, cfg.Region = emulatorBucket, emulatorRegion
		cfg.Endpoint = emu.URL
		cfg.Keys = emu.KeyFetcher()
		logger.Printf("OSS emulator (bucket %s) on %s", cfg.Bucket, emu.URL)
	}

	app, err := newApp(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Printf("open %s/ (%s mode, %s signatures, callbacks to %s%s)", appURL, cfg.Mode, *sigVersion, cfg.PublicURL, callbackPath)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("shutdown: %w", err)
	}
	// Deletions and status changes started by callbacks finish before the
	// emulator (deferred above) stops.
	app.Wait()
	return err
}

const (
	emulatorBucket = "examplebucket"
	emulatorRegion = "cn-hangzhou"
)

// startEmulator runs osstest on its own loopback port: a different origin
// from the app, so the browser applies CORS exactly as with a real bucket,
// and the emulator's CORS rule allows only the app's origins.
func startEmulator(origins ...string) (*osstest.Server, error) {
	return osstest.NewServer(emulatorConfig(origins...))
}

// emulatorConfig is the emulated bucket: one CORS rule for the app's origins.
func emulatorConfig(origins ...string) osstest.Config {
	return osstest.Config{
		Bucket: emulatorBucket,
		Region: emulatorRegion,
		CORS:   []osstest.CORSRule{emulatorCORS(origins...)},
	}
}

// emulatorCORS is the rule a real bucket needs too: POST for PostObject,
// InitiateMultipartUpload and CompleteMultipartUpload, PUT for UploadPart,
// GET for ListParts, DELETE for AbortMultipartUpload, and ETag exposed,
// since the page reads each part's ETag to list it in
// CompleteMultipartUpload
// (https://www.alibabacloud.com/help/en/oss/user-guide/cors).
func emulatorCORS(origins ...string) osstest.CORSRule {
	return osstest.CORSRule{
		AllowedOrigins: originsOf(origins...),
		AllowedMethods: []string{"POST", "PUT", "GET", "DELETE"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag", "x-oss-request-id"},
	}
}

// realBucket fills cfg from the environment for a real OSS bucket. Every
// variable it needs is checked here, so a missing one stops the program at
// start rather than failing each token request later.
func realBucket(cfg *Config) error {
	var missing []string
	for _, name := range []string{envAccessKeyID, envAccessKeySecret, envBucket, envRegion} {
		if os.Getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: a real bucket needs %s, %s, %s and %s; %s not set",
			errConfig, envAccessKeyID, envAccessKeySecret, envBucket, envRegion, strings.Join(missing, ", "))
	}
	cfg.Mode = "oss"
	cfg.Credentials = signer.EnvCredentials()
	cfg.Bucket = os.Getenv(envBucket)
	cfg.Region = os.Getenv(envRegion)
	if ep := os.Getenv(envEndpoint); ep != "" {
		cfg.Endpoint = bucketEndpoint(cfg.Bucket, ep)
	}
	// Only OSS's own key (embedded, or fetched from gosspublic.alicdn.com):
	// a callback signed with any other key is refused
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
	cfg.Keys = verify.DefaultFetcher()
	return nil
}

// The environment of a real bucket: the credentials, read by
// signer.EnvCredentials, and where the bucket is.
const (
	envAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envSessionToken    = "OSS_SESSION_TOKEN"
	envBucket          = "OSS_BUCKET"
	envRegion          = "OSS_REGION"
	envEndpoint        = "OSS_ENDPOINT"
)

// bucketEndpoint turns OSS_ENDPOINT into the upload URL. A bare endpoint
// ("oss-cn-hangzhou.aliyuncs.com") gets the bucket as a subdomain, since OSS
// refuses path-style uploads for newer buckets
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject);
// a URL with a scheme (a CNAME) is used as it is.
func bucketEndpoint(bucket, endpoint string) string {
	if strings.Contains(endpoint, "://") {
		return strings.TrimSuffix(endpoint, "/")
	}
	return "https://" + bucket + "." + strings.TrimSuffix(endpoint, "/")
}

func parseVersion(s string) (signer.Version, error) {
	switch strings.ToLower(s) {
	case "v4", "4":
		return signer.V4, nil
	case "v1", "1":
		return signer.V1, nil
	}
	return 0, fmt.Errorf("-signature %q: want v4 or v1", s)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// browsableAddr is the listener's address as a browser on this machine
// reaches it: -addr :8080 listens on every interface, but "http://[::]:8080"
// is no URL to open, nor an origin the emulator's CORS rule could name.
func browsableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// reachableFromOSS reports whether OSS could call rawURL back: OSS refuses
// private and loopback callback addresses, EC 0007-00000008
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
func reachableFromOSS(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return false
	}
	if isLocalhost(u.Hostname()) {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip == nil || !(ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast())
}

func isLocalhost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// originsOf returns the origins a browser may show for these base URLs:
// the URL itself and, for loopback addresses, the same port on "localhost"
// and 127.0.0.1, since users open either.
func originsOf(urls ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(o string) {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		add(u.Scheme + "://" + u.Host)
		if isLocalhost(u.Hostname()) {
			port := u.Port()
			if port != "" {
				add(u.Scheme + "://localhost:" + port)
				add(u.Scheme + "://127.0.0.1:" + port)
			}
		}
	}
	return out
}
