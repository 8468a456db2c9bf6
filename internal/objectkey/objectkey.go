// Package objectkey lets the emulator tell the request log of
// "ossdirect emulator" which object a request stored when the key is not in
// the URL (a PostObject form names it in a field).
package objectkey

import "context"

type ctxKey struct{}

// Watch returns a context in which Note records a key, and a function
// that returns the key noted so far ("" if none).
func Watch(ctx context.Context) (context.Context, func() string) {
	var key string
	return context.WithValue(ctx, ctxKey{}, &key), func() string { return key }
}

// Note records key in ctx, if ctx came from Watch; a handler calls it from
// the request's goroutine before answering.
func Note(ctx context.Context, key string) {
	if p, ok := ctx.Value(ctxKey{}).(*string); ok {
		*p = key
	}
}
