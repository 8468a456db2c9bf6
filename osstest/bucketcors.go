package osstest

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
)

// PutBucketCors, GetBucketCors and DeleteBucketCors
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketcors,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketcors,
// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucketcors).
// Each bucket has its own rules. PutBucketCors replaces them all ("New CORS
// rules configured by PutBucketCors overwrite all existing CORS rules"),
// and from then on preflights and responses use them; DeleteBucketCors
// leaves none, so every preflight is refused. Config.CORS is the configured
// bucket's rule set until the API changes it; buckets made with PutBucket
// start with none, as on OSS ("CORS is disabled by default"). Rules set
// through the API persist with Config.Dir in the bucket's settings and win
// there over Config.CORS.
//
// The limits checked: 1 to 20 rules [inferred: older GetBucketCors pages
// say 10; the emulator takes the larger count, so it refuses nothing OSS
// accepts], each with at least one AllowedOrigin and one AllowedMethod; methods among
// GET, PUT, DELETE, POST and HEAD (EC 0034-00000011,
// https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000011); at
// most one "*" in an AllowedOrigin or AllowedHeader and none in an
// ExposeHeader; a body of at most 16 KB [inferred]. An empty
// CORSConfiguration is EC 0034-00000002
// (https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000002) and
// GetBucketCors of a bucket without rules NoSuchCORSConfiguration, EC
// 0034-00000001 (https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000001).
// Error codes the pages do not name, and the messages, are [inferred]:
// InvalidArgument for a rule that breaks a limit, MalformedXML for a body
// that is not a CORSConfiguration.

const (
	opPutBucketCors    = "PutBucketCors"
	opGetBucketCors    = "GetBucketCors"
	opDeleteBucketCors = "DeleteBucketCors"
)

const (
	maxCORSRules = 20
	maxCORSBody  = 16 << 10
)

// corsMethods are the values AllowedMethod takes.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "DELETE": true, "POST": true, "HEAD": true}

// bucketCORS is a bucket's CORS configuration as PutBucketCors sets it.
// ResponseVary makes every answer of the bucket carry Vary: Origin, matched
// or not (GetBucketCors page: "returned regardless whether the request is a
// cross-origin request or whether the cross-origin request succeeds").
type bucketCORS struct {
	Rules        []CORSRule
	ResponseVary bool `json:",omitempty"`
}

// corsConfigurationXML is PutBucketCors' body and GetBucketCors' answer.
type corsConfigurationXML struct {
	XMLName      xml.Name      `xml:"CORSConfiguration"` // also checks the body's root
	Rules        []corsRuleXML `xml:"CORSRule"`
	ResponseVary bool          `xml:"ResponseVary"`
}

type corsRuleXML struct {
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds"`
}

// parseCORSConfiguration reads a PutBucketCors body and applies OSS's
// limits to its rules.
func parseCORSConfiguration(body []byte) (bucketCORS, *ossError) {
	var doc corsConfigurationXML
	if len(body) > maxCORSBody {
		return bucketCORS{}, errInvalidCORS("The CORS configuration is larger than 16 KB.")
	}
	if xml.Unmarshal(body, &doc) != nil {
		return bucketCORS{}, errMalformedXML()
	}
	switch {
	case len(doc.Rules) == 0:
		return bucketCORS{}, errMalformedXML().withEC("0034-00000002")
	case len(doc.Rules) > maxCORSRules:
		return bucketCORS{}, errInvalidCORS("A bucket can have at most 20 CORS rules.")
	}
	conf := bucketCORS{ResponseVary: doc.ResponseVary, Rules: make([]CORSRule, 0, len(doc.Rules))}
	for _, x := range doc.Rules {
		rule, oe := checkCORSRule(x)
		if oe != nil {
			return bucketCORS{}, oe
		}
		conf.Rules = append(conf.Rules, rule)
	}
	return conf, nil
}

func checkCORSRule(x corsRuleXML) (CORSRule, *ossError) {
	rule := CORSRule{AllowedOrigins: x.AllowedOrigins, AllowedMethods: x.AllowedMethods, AllowedHeaders: x.AllowedHeaders, ExposeHeaders: x.ExposeHeaders}
	if len(x.AllowedOrigins) == 0 || len(x.AllowedMethods) == 0 {
		return rule, errInvalidCORS("A CORS rule needs an AllowedOrigin and an AllowedMethod.")
	}
	for _, m := range x.AllowedMethods {
		if !corsMethods[m] {
			return rule, errInvalidCORS("AllowedMethod must be GET, PUT, DELETE, POST or HEAD.").withEC("0034-00000011").withArg("AllowedMethod", m)
		}
	}
	for _, o := range x.AllowedOrigins {
		if o == "" || strings.Count(o, "*") > 1 {
			return rule, errInvalidCORS("An AllowedOrigin must be non-empty and contain at most one \"*\".").withArg("AllowedOrigin", o)
		}
	}
	for _, h := range x.AllowedHeaders {
		if strings.Count(h, "*") > 1 {
			return rule, errInvalidCORS("An AllowedHeader may contain at most one \"*\".").withArg("AllowedHeader", h)
		}
	}
	for _, h := range x.ExposeHeaders {
		if h == "" || strings.ContainsAny(h, "* ") {
			return rule, errInvalidCORS("An ExposeHeader must be a header name, without \"*\".").withArg("ExposeHeader", h)
		}
	}
	if x.MaxAgeSeconds != nil {
		if *x.MaxAgeSeconds < 0 {
			return rule, errInvalidCORS("MaxAgeSeconds must not be negative.")
		}
		rule.MaxAgeSeconds = *x.MaxAgeSeconds
	}
	return rule, nil
}

func errInvalidCORS(msg string) *ossError {
	return newErr(400, "InvalidArgument", msg)
}

// corsConfig is the CORS configuration e applies now: the one PutBucketCors
// or DeleteBucketCors set, or else Config.CORS, answered with Vary: Origin
// as with ResponseVary true.
func (e *Emulator) corsConfig() bucketCORS {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.info.CORS != nil {
		return *e.info.CORS
	}
	return bucketCORS{Rules: e.cors, ResponseVary: len(e.cors) > 0}
}

// putBucketCors serves PUT /?cors on a bucket.
func (e *Emulator) putBucketCors(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	defer drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCORSBody+1))
	if err != nil {
		writeError(w, rc, errMalformedXML())
		return
	}
	conf, oe := parseCORSConfiguration(body)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.changeInfo(w, rc, http.StatusOK, func(i *bucketInfo) { i.CORS = &conf }) // buckets.go
}

// deleteBucketCors serves DELETE /?cors on a bucket: 204, also when there
// were no rules.
func (e *Emulator) deleteBucketCors(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.changeInfo(w, rc, http.StatusNoContent, func(i *bucketInfo) { i.CORS = &bucketCORS{} })
}

// getBucketCors serves GET /?cors on a bucket.
func (e *Emulator) getBucketCors(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	conf := e.corsConfig()
	if len(conf.Rules) == 0 {
		writeError(w, rc, newErr(404, "NoSuchCORSConfiguration", "The CORS Configuration does not exist.").withEC("0034-00000001").withArg("BucketName", e.bucket))
		return
	}
	doc := corsConfigurationXML{ResponseVary: conf.ResponseVary}
	for _, rule := range conf.Rules {
		x := corsRuleXML{AllowedOrigins: rule.AllowedOrigins, AllowedMethods: rule.AllowedMethods, AllowedHeaders: rule.AllowedHeaders, ExposeHeaders: rule.ExposeHeaders}
		if rule.MaxAgeSeconds > 0 {
			x.MaxAgeSeconds = &rule.MaxAgeSeconds
		}
		doc.Rules = append(doc.Rules, x)
	}
	writeXML(w, http.StatusOK, &doc)
}
