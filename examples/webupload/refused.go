package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
)

// OSS stores an object before it calls the app back, and keeps it whatever
// the app answers: a refused callback only turns the uploader's answer into
// 203 CallbackFailed
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// So an object the app refuses is deleted by the app itself, with a
// DeleteObject it presigns with its own Signer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
// The delete runs in a goroutine: OSS waits at most 5 seconds for the
// callback's answer, which must not wait for a second round trip to OSS.

// deleteTimeout bounds one background request to OSS (a deletion here, a
// status change in status.go): presigning, the request and its answer.
const deleteTimeout = 30 * time.Second

// deleteExpires is how long such a presigned request is valid; it is sent
// at once.
const deleteExpires = time.Minute

// refuse starts the deletion of the object of ev, which the callback
// handler refuses with herr, and returns herr. Only an object in the app's
// own bucket is deleted: ev comes from a callback whose URL the app bound,
// so its token pinned the bucket and the key's prefix, and another bucket
// would mean a callback the app never asked for. A callback that does not
// match the user's token (errForeignObject) is not passed here for the
// same reason. The deletion runs in the background (Wait waits for it)
// and its outcome is logged.
func (a *App) refuse(ev *callback.Event, herr *callback.HTTPError) *callback.HTTPError {
	key, why := ev.Object, herr.Err
	if ev.Bucket != a.cfg.Bucket {
		a.cfg.Logger.Warn("refused object left in place: not in the app's bucket", "bucket", ev.Bucket, "object", key, "refused", why)
		return herr
	}
	a.inBackground(func(ctx context.Context) {
		if err := a.deleteObject(ctx, key); err != nil {
			a.cfg.Logger.Error("refused object not deleted", "object", key, "refused", why, "err", err)
			return
		}
		a.cfg.Logger.Info("refused object deleted", "object", key, "refused", why)
	})
	return herr
}

// inBackground runs f in a goroutine that Wait waits for, with a context
// that ends after deleteTimeout.
func (a *App) inBackground(f func(ctx context.Context)) {
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
		defer cancel()
		f(ctx)
	}()
}

// deleteObject sends a DELETE of key presigned by the app's Signer. OSS
// answers 204 whether or not the object existed.
func (a *App) deleteObject(ctx context.Context, key string) error {
	return a.sendPresigned(ctx, "DELETE", signer.Request{Method: http.MethodDelete, Key: key}, nil, http.StatusNoContent)
}

// sendPresigned presigns r (valid for deleteExpires) with the app's Signer,
// sends it with body to the app's endpoint (the emulator in emulator mode,
// the bucket otherwise), and wants status want back; op names the request
// in the error.
func (a *App) sendPresigned(ctx context.Context, op string, r signer.Request, body []byte, want int) error {
	r.Expires = deleteExpires
	p, err := a.signer.Presign(ctx, r)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %s: %s", op, r.Key, resp.Status, msg)
	}
	return nil
}

// Wait waits until the deletions of refused objects and the status
// changes (status.go) started so far have finished. Call it after the HTTP server has shut down, so that no
// callback starts another.
func (a *App) Wait() { a.background.Wait() }
