#!/usr/bin/env bash
# The project's one test command (README: ./test.sh). Works on a fresh Debian
# machine with Go and node/npm: installs Debian's Chromium and the browser
# test's npm package when they are missing, then runs gofmt, go vet and the
# whole suite with the race detector. The browser test must run here: with
# OSSDIRECT_REQUIRE_BROWSER=1 it fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "test.sh: need root (or sudo) to run: $*" >&2
		return 1
	fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	log "installing Debian's nodejs and npm (apt-get)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm </dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
	log "installing Debian's chromium (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium </dev/null
fi

# npm_ci DIR WHAT PACKAGE...: npm ci in DIR when any PACKAGE is missing
# from its node_modules; WHAT names them in the log.
npm_ci() {
	local dir=$1 what=$2 pkg
	shift 2
	for pkg in "$@"; do
		if [ ! -d "$dir/node_modules/$pkg" ]; then
			log "installing $what (npm ci in $dir)"
			(cd "$dir" && npm ci --no-audit --no-fund </dev/null)
			return
		fi
	done
}

npm_ci examples/webupload/e2e "the browser test's npm package" playwright-core

uppy=examples/uppy/web
npm_ci "$uppy" "the Uppy example's npm packages" playwright-core @uppy/aws-s3
log "bundling Uppy for examples/uppy (esbuild, pinned in $uppy/package.json)"
(cd "$uppy" && npm run --silent build </dev/null)
npm_ci interop/alioss "ali-oss and playwright-core for the interop tests" ali-oss playwright-core

log "go mod download (library and interop module)"
go mod download
(cd interop && go mod download)
# The official Go SDK v2's own test dependencies (testify), for
# interop's TestSDKIntegration, which runs the SDK's integration tests.
(cd "$(cd interop && go list -m -f '{{.Dir}}' github.com/aliyun/alibabacloud-oss-go-sdk-v2)" && go mod download)

log "gofmt"
unformatted="$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)"
if [ -n "$unformatted" ]; then
	echo "gofmt: these files are not formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

log "go vet ./... (library and interop module)"
go vet ./...
(cd interop && go vet ./...)

log "go test -race ./... (browser test required)"
export OSSDIRECT_REQUIRE_BROWSER=1
go test -race -count=1 ./...

log "benchmarks run once each, so none is left broken (timings: README, Performance)"
go test -count=1 -run '^$' -bench . -benchtime 1x ./... > /dev/null
(cd interop && go test -count=1 -run '^$' -bench . -benchtime 1x ./... > /dev/null)

log "interop: the official OSS Go SDK v2, credential providers and ali-oss (Node and Chromium) against ossdirect (go test -race)"
(cd interop && go test -race -count=1 ./...)

log "1 GiB uploads through the emulator at full size (the race run uses smaller ones)"
go test -count=1 -run '^TestLarge' -v ./osstest
