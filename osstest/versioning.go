package osstest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// PutBucketVersioning and GetBucketVersioning
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketversioning,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketversioning).
// The status persists with Config.Dir in the bucket's settings: the
// bucketInfo JSON of a bucket made with PutBucket, and rootInfoName in Dir
// for the configured bucket.

const (
	opPutBucketVersioning = "PutBucketVersioning"
	opGetBucketVersioning = "GetBucketVersioning"
)

// maxVersioningBody bounds a PutBucketVersioning body [inferred: a
// VersioningConfiguration is a few dozen bytes].
const maxVersioningBody = 4 << 10

// versioningConfiguration is PutBucketVersioning's body and
// GetBucketVersioning's answer; a bucket that was never versioned answers
// it without Status.
type versioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"` // also checks the body's root
	Status  string   `xml:"Status,omitempty"`
}

// errMalformedVersioning: a body that is not a VersioningConfiguration
// with Status Enabled or Suspended [inferred: the documentation names no
// error for it; MalformedXML is what OSS answers other malformed bodies].
var errMalformedVersioning = errors.New("osstest: not a VersioningConfiguration with Status Enabled or Suspended")

// parseVersioning reads a PutBucketVersioning body and returns its Status.
func parseVersioning(body []byte) (string, error) {
	var conf versioningConfiguration
	if err := xml.Unmarshal(body, &conf); err != nil {
		return "", fmt.Errorf("%w: %v", errMalformedVersioning, err)
	}
	switch conf.Status {
	case versioningEnabled, versioningSuspended:
		return conf.Status, nil
	}
	return "", fmt.Errorf("%w: Status %q", errMalformedVersioning, conf.Status)
}

// putBucketVersioning serves PUT /?versioning.
func (e *Emulator) putBucketVersioning(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	defer drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxVersioningBody+1))
	if err != nil {
		writeError(w, rc, errIncompleteBody())
		return
	}
	status, err := parseVersioning(body)
	if err != nil || len(body) > maxVersioningBody {
		writeError(w, rc, errMalformedXML())
		return
	}
	e.changeInfo(w, rc, http.StatusOK, func(info *bucketInfo) { info.Versioning = status }) // buckets.go
}

// getBucketVersioning serves GET /?versioning.
func (e *Emulator) getBucketVersioning(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.mu.Lock()
	status := e.info.Versioning
	e.mu.Unlock()
	writeXML(w, http.StatusOK, &versioningConfiguration{Status: status})
}

// versionParam reads the versionId query parameter of an object request,
// "" when there is none. An empty one is refused: EC 0012-00000201
// (https://www.alibabacloud.com/help/en/oss/support/0012-00000201; the
// status and code are [inferred]).
func versionParam(r *http.Request) (string, *ossError) {
	if !strings.Contains(r.URL.RawQuery, "versionId") {
		return "", nil // most requests: no query to parse
	}
	q := r.URL.Query()
	if !q.Has("versionId") {
		return "", nil
	}
	vid := q.Get("versionId")
	if vid == "" {
		return "", newErr(400, "InvalidArgument", "The versionId parameter is empty.").withEC("0012-00000201").withArg("versionId", "")
	}
	return vid, nil
}

// errNoSuchVersion answers a version id the key does not have [inferred:
// OSS documents the condition, EC 0012-00000203 for a copy source, not
// the code].
func errNoSuchVersion(vid string) *ossError {
	return newErr(404, "NoSuchVersion", "The specified version does not exist.").withArg("versionId", vid)
}

// errVersioningNotEnabled answers a version id other than "null" in a
// bucket that was never versioned: EC 0012-00000301
// (https://help.aliyun.com/en/oss/user-guide/0012-00000301; the status
// and code are [inferred]). "null" reads the object, as it names the
// version an object has before versioning
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78).
func errVersioningNotEnabled(vid string) *ossError {
	return newErr(400, "InvalidArgument", "Versioning is not enabled for the bucket.").withEC("0012-00000301").withArg("versionId", vid)
}

// versionError is the answer to a failed read of key's version vid ("" for
// the latest). A delete marker is answered with x-oss-delete-marker: true
// and its version id: 404 NoSuchKey when it is the latest version, 405
// MethodNotAllowed when it was asked for by id
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobject,
// https://www.alibabacloud.com/help/en/oss/user-guide/delete-marker).
func versionError(h http.Header, err error, key, vid string) *ossError {
	var dm *deleteMarkerError
	switch {
	case errors.Is(err, errNotVersioned):
		return errVersioningNotEnabled(vid)
	case errors.As(err, &dm):
		h.Set("X-Oss-Delete-Marker", "true")
		h.Set("X-Oss-Version-Id", dm.marker.VersionID)
		if dm.latest {
			return errNoSuchKey().withArg("Key", key)
		}
		h.Set("Last-Modified", dm.marker.LastModified.UTC().Format(http.TimeFormat))
		return errMethodNotAllowed()
	case errors.Is(err, errVersionNotStored):
		return errNoSuchVersion(vid)
	case errors.Is(err, errNotStored):
		return errNoSuchKey().withArg("Key", key)
	}
	return errInternal(err)
}

// setVersionHeader sets x-oss-version-id for an object of a versioned
// bucket; a never-versioned bucket's objects have none.
func setVersionHeader(h http.Header, obj Object) {
	if obj.VersionID != "" {
		h.Set("X-Oss-Version-Id", obj.VersionID)
	}
}

// versionAsked returns the version of key that r names (versionId, else
// the latest) and sets its x-oss-version-id in h; or the error to answer,
// with the delete-marker headers in h when it names one.
func (e *Emulator) versionAsked(h http.Header, r *http.Request, key string) (Object, *ossError) {
	vid, oe := versionParam(r)
	if oe != nil {
		return Object{}, oe
	}
	obj, err := e.store.getVersion(key, vid)
	if err != nil {
		return Object{}, versionError(h, err, key, vid)
	}
	setVersionHeader(h, obj)
	return obj, nil
}
