package main

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"

	"github.com/ossdirect/ossdirect/signer"
)

// OSS stores an object before it calls the app back, and keeps it whatever
// the app answers, or if the app never answers
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// So the bucket can hold objects the app never accepted: a callback it
// refused, or one that never reached it. The app marks the difference on
// the object itself, in its "status" tag: pending until the callback is
// verified and accepted, then "ready". Whatever reads the bucket (a
// listing, a cleanup job) can then tell the two apart, and a lifecycle
// rule filtered on the tag status=pending can expire what no callback
// confirmed
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-tagging-8).
//
// A multipart upload is initiated with x-oss-tagging: status=pending,
// signed on InitiateMultipartUpload, so the browser cannot drop it. A
// PostObject cannot carry a tag at all: OSS takes x-oss-tagging at upload
// on PutObject, InitiateMultipartUpload, AppendObject and CopyObject only,
// and the PostObject reference has no such form field or policy condition
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject;
// osstest refuses the field). Such an object has no status tag until the
// callback, and untagged counts as pending too (a lifecycle rule on the tag
// does not see it).
//
// The callback handler sets status=ready with a PutObjectTagging presigned
// by the app's own Signer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putobjecttagging);
// with a real bucket the app's key needs oss:PutObjectTagging. It runs in
// the background, after the callback is accepted: OSS waits at most 5
// seconds for the callback's answer, which must not wait for a second round
// trip to OSS. If it fails, the object stays pending and the failure is
// logged.

const (
	statusTag     = "status"
	statusPending = "pending"
	statusReady   = "ready"
)

// pendingTagging is the x-oss-tagging header of a multipart upload's
// InitiateMultipartUpload: tags in URL query form.
var pendingTagging = url.Values{statusTag: {statusPending}}.Encode()

// markReady starts setting key's status tag to ready, in the background
// (Wait waits for it), and logs the transition or the failure.
func (a *App) markReady(key string) {
	a.inBackground(func(ctx context.Context) {
		if err := a.putStatus(ctx, key, statusReady); err != nil {
			a.cfg.Logger.Error(key+": still "+statusPending, "err", err)
			return
		}
		a.cfg.Logger.Info(key + ": " + statusPending + " -> " + statusReady)
	})
}

// taggingDoc is PutObjectTagging's request body.
type taggingDoc struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []tag    `xml:"TagSet>Tag"`
}

type tag struct{ Key, Value string }

// putStatus replaces key's tags with status=<status>: the app's uploads
// carry no other tag.
func (a *App) putStatus(ctx context.Context, key, status string) error {
	body, err := xml.Marshal(taggingDoc{Tags: []tag{{statusTag, status}}})
	if err != nil {
		return err
	}
	r := signer.Request{Method: http.MethodPut, Key: key, Query: url.Values{"tagging": {""}}}
	return a.sendPresigned(ctx, "PutObjectTagging", r, body, http.StatusOK)
}
