// Command uppy is Uppy's Dashboard uploading straight to OSS through
// signer.CompanionHandler, which serves the routes of Uppy's AwsS3 plugin
// (Companion's S3 protocol) with the app's upload callback.
//
//	(cd examples/uppy/web && npm ci && npm run build)   # once: Uppy's bundle
//	go run ./examples/uppy
//
// With no OSS_ACCESS_KEY_ID in the environment it starts the embedded OSS
// emulator (package osstest) on another loopback port and trusts only its
// callback key. With OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET (optional
// OSS_SESSION_TOKEN), OSS_REGION and OSS_BUCKET (optional OSS_ENDPOINT) it
// uses that bucket; -public-url must then be the app's address as OSS
// reaches it.
//
// Flags:
//
//	-addr        listen address (default 127.0.0.1:8081; port 0 picks a free one)
//	-signature   v4 or v1 (default v4)
//	-public-url  the app's public base URL, used for the callback URL
//	-max-size    largest file accepted, in bytes (default 64 MiB)
//	-post-below  files under this size go by one POST policy upload (default 0: all by multipart)
//	-dist        directory of Uppy's bundle (default: examples/uppy/web/dist)
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
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		log.Printf("uppy: %v", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run serves until ctx is cancelled. ready, if not nil, receives the app's
// URL once it listens.
func run(ctx context.Context, args []string, logw io.Writer, ready chan<- string) error {
	logger := log.New(logw, "", 0)
	fl := flag.NewFlagSet("uppy", flag.ContinueOnError)
	fl.SetOutput(logw)
	addr := fl.String("addr", "127.0.0.1:8081", "listen address (port 0 picks a free port)")
	sigVersion := fl.String("signature", "v4", "signature version: v4 or v1")
	publicURL := fl.String("public-url", "", "the app's public base URL, used for the callback URL (default http://<addr>)")
	maxSize := fl.Int64("max-size", 64<<20, "largest file accepted, in bytes")
	postBelow := fl.Int64("post-below", 0, "files under this size go by one POST policy upload; 0 sends every file by multipart")
	dist := fl.String("dist", defaultDist(), "directory of Uppy's bundle (npm run build in examples/uppy/web)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg := Config{MaxSize: *maxSize, PostBelow: *postBelow, Dist: *dist}
	switch strings.ToLower(*sigVersion) {
	case "v4":
		cfg.Version = signer.V4
	case "v1":
		cfg.Version = signer.V1
	default:
		return fmt.Errorf("%w: -signature %q: want v4 or v1", errUsage, *sigVersion)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	appURL := "http://" + ln.Addr().String()
	if *publicURL == "" {
		*publicURL = appURL
	}
	cfg.PublicURL = *publicURL
	if os.Getenv("OSS_ACCESS_KEY_ID") != "" {
		if err := realBucket(&cfg); err != nil {
			return err
		}
	} else {
		emu, err := osstest.NewServer(osstest.Config{CORS: []osstest.CORSRule{corsRule(appURL)}})
		if err != nil {
			return err
		}
		defer emu.Close()
		ak := emu.AccessKey()
		cfg.Credentials = signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret}
		cfg.Bucket, cfg.Region, cfg.Endpoint = emu.Bucket(), emu.Region(), emu.URL
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
	logger.Printf("open %s/", appURL)
	if ready != nil {
		ready <- appURL
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// defaultDist is web/dist beside this source file when run from the
// repository (go run ./examples/uppy), else ./web/dist.
func defaultDist() string {
	for _, d := range []string{"examples/uppy/web/dist", "web/dist"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "web", "dist")
	}
	return "web/dist"
}

// corsRule is the bucket's CORS rule the plugin needs: POST for the POST
// policy upload and PUT for the parts, from the app's origin, with ETag
// exposed, since the plugin reads each part's ETag
// (https://www.alibabacloud.com/help/en/oss/user-guide/cors). The handler
// makes every other OSS request itself.
func corsRule(appURL string) osstest.CORSRule {
	u, _ := url.Parse(appURL)
	origins := []string{appURL}
	if port := u.Port(); port != "" {
		origins = append(origins, "http://localhost:"+port, "http://127.0.0.1:"+port)
	}
	return osstest.CORSRule{
		AllowedOrigins: origins,
		AllowedMethods: []string{"POST", "PUT"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag", "x-oss-request-id"},
	}
}

// realBucket fills cfg from the environment for a real OSS bucket.
func realBucket(cfg *Config) error {
	for _, name := range []string{"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_BUCKET", "OSS_REGION"} {
		if os.Getenv(name) == "" {
			return fmt.Errorf("a real bucket needs %s, %s, OSS_BUCKET and OSS_REGION; %s is not set",
				"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", name)
		}
	}
	cfg.Credentials = signer.EnvCredentials()
	cfg.Bucket, cfg.Region = os.Getenv("OSS_BUCKET"), os.Getenv("OSS_REGION")
	if ep := os.Getenv("OSS_ENDPOINT"); ep != "" {
		if !strings.Contains(ep, "://") {
			ep = "https://" + cfg.Bucket + "." + ep
		}
		cfg.Endpoint = strings.TrimSuffix(ep, "/")
	}
	cfg.Keys = verify.DefaultFetcher()
	return nil
}
