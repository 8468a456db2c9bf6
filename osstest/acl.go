package osstest

import (
	"net/http"
)

// Access control on reads, as OSS applies it
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-acl): a
// request signed with one of the bucket's keys is the owner's and may read
// everything; an anonymous one may read an object whose ACL is public-read
// or public-read-write, and an object whose ACL is "default" takes the
// bucket's ACL. The bucket is private unless Config.ACL says otherwise.

// Bucket and object ACL values.
const (
	aclDefault         = "default"
	aclPrivate         = "private"
	aclPublicRead      = "public-read"
	aclPublicReadWrite = "public-read-write"
)

func validBucketACL(acl string) bool {
	return acl == aclPrivate || acl == aclPublicRead || acl == aclPublicReadWrite
}

// publicRead reports whether an anonymous request may read an object whose
// ACL is objACL.
func (e *Emulator) publicRead(objACL string) bool {
	if objACL == "" || objACL == aclDefault {
		objACL = e.bucketACL()
	}
	return objACL == aclPublicRead || objACL == aclPublicReadWrite
}

// errReadDenied: EC 0003-00000001, an anonymous or unauthorised read
// (https://www.alibabacloud.com/help/en/oss/support/0003-00000001).
func errReadDenied() *ossError {
	return newErr(403, "AccessDenied", "You have no right to access this object because of bucket acl.").withEC("0003-00000001")
}

// authorizeRead checks a GetObject, HeadObject or GetObjectMeta of key: a
// signed request is authenticated; an anonymous one is allowed where the
// ACL is public. An anonymous read of a missing key is 403 on a private
// bucket (OSS does not tell strangers what exists) and 404 on a public one.
func (e *Emulator) authorizeRead(r *http.Request, key string) *ossError {
	if isSigned(r) {
		_, oe := e.authenticateRequest(r, e.bucket, key)
		return oe
	}
	obj, ok := e.store.get(key)
	if !ok {
		if e.publicRead(aclDefault) {
			return nil // the handler answers NoSuchKey
		}
		return errReadDenied()
	}
	if !e.publicRead(obj.ACL) {
		return errReadDenied()
	}
	return nil
}

// putObjectACL serves PutObjectACL, PUT /<key>?acl with x-oss-object-acl
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putobjectacl).
func (e *Emulator) putObjectACL(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if !isSigned(r) {
		// EC 0003-00000008: an anonymous PutObjectAcl.
		writeError(w, rc, newErr(403, "AccessDenied", "You have no right to access this object.").withEC("0003-00000008"))
		return
	}
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	acl := r.Header.Get("X-Oss-Object-Acl")
	if acl == "" {
		// EC 0017-00000105: x-oss-object-acl missing or empty.
		writeError(w, rc, newErr(400, "InvalidArgument", "The x-oss-object-acl header is missing or empty.").withEC("0017-00000105").withArg("x-oss-object-acl", ""))
		return
	}
	if oe := checkACL(acl); oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.updateObject(w, r, rc, key, http.StatusOK, func(o *Object) { o.ACL = acl })
}

// accessControlPolicy is GetObjectACL's and GetBucketAcl's answer.
type accessControlPolicy struct {
	XMLName struct{} `xml:"AccessControlPolicy"`
	Owner   ownerXML `xml:"Owner"` // bucketops.go
	Grant   string   `xml:"AccessControlList>Grant"`
}

// getObjectACL serves GetObjectACL, GET /<key>?acl; "default" is answered
// as such, as OSS does
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobjectacl).
func (e *Emulator) getObjectACL(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if !isSigned(r) {
		// EC 0003-00000007: an anonymous GetObjectAcl.
		writeError(w, rc, newErr(403, "AccessDenied", "You have no right to access this object.").withEC("0003-00000007"))
		return
	}
	ak, oe := e.authenticateRequest(r, e.bucket, key)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	obj, oe := e.versionAsked(w.Header(), r, key) // versioning.go
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	id := e.requesterID(ak.ID)
	res := accessControlPolicy{Owner: ownerXML{ID: id, DisplayName: id}, Grant: obj.ACL}
	if res.Grant == "" {
		res.Grant = aclDefault
	}
	writeXML(w, http.StatusOK, &res)
}

// errNoSuchBucketACL: EC 0015-00000204, an x-oss-acl that is not a bucket
// ACL (https://www.alibabacloud.com/help/en/oss/user-guide/0015-00000204).
func errNoSuchBucketACL(acl string) *ossError {
	return newErr(400, "InvalidArgument", "no such bucket access control exists").withEC("0015-00000204").withArg("x-oss-acl", acl)
}

// putBucketACL serves PutBucketAcl, PUT /?acl with x-oss-acl on a bucket
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketacl):
// the new ACL replaces the old one and governs the next anonymous request;
// without x-oss-acl "the ACL settings do not take effect" and the ACL stays.
func (e *Emulator) putBucketACL(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil { // bucketcors.go
		writeError(w, rc, oe)
		return
	}
	switch acl := r.Header.Get("X-Oss-Acl"); {
	case acl == "":
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case !validBucketACL(acl):
		writeError(w, rc, errNoSuchBucketACL(acl))
	default:
		e.changeInfo(w, rc, http.StatusOK, func(i *bucketInfo) { i.ACL = acl }) // buckets.go
	}
}

// getBucketACL serves GetBucketAcl, GET /?acl on a bucket: the owner and
// the bucket ACL as its one Grant
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketacl).
func (e *Emulator) getBucketACL(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	writeXML(w, http.StatusOK, &accessControlPolicy{Owner: e.owner(), Grant: e.bucketACL()}) // bucketops.go
}
