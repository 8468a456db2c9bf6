// Package interop drives ossdirect's signer and its osstest emulator with
// official Alibaba Cloud OSS client libraries, so that both are checked
// against an implementation that is not ours. It is a separate module so
// that the library's own go.mod needs none of those clients.
package interop
