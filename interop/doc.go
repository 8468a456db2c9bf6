// Package interop drives ossdirect's signer and its emulator with official
// Alibaba Cloud OSS clients, so that both are checked against an
// implementation that is not ours: the OSS Go SDK v2, ali-oss in Node and
// its browser build in Chromium (alioss/), and the official credential
// providers (credchain). It is a separate module so that the library's own
// go.mod needs none of them. README.md has the client matrix.
package interop
