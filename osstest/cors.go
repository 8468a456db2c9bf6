package osstest

import (
	"net/http"
	"strconv"
	"strings"
)

// matchCORS returns the first of rules that allows origin, method and
// every requested header, or nil. OSS evaluates a bucket's rules in order
// and uses the first match
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketcors).
func matchCORS(rules []CORSRule, origin, method string, headers []string) *CORSRule {
	for i := range rules {
		rule := &rules[i]
		if !anyMatch(rule.AllowedOrigins, origin, false) || !anyMatch(rule.AllowedMethods, method, false) {
			continue
		}
		ok := true
		for _, h := range headers {
			if !anyMatch(rule.AllowedHeaders, h, true) {
				ok = false
				break
			}
		}
		if ok {
			return rule
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern with at most one "*" (OSS
// allows one per entry).
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

func setCORSHeaders(h http.Header, rule *CORSRule, origin, method string) {
	h.Set("Access-Control-Allow-Origin", origin)
	methods := strings.Join(rule.AllowedMethods, ", ")
	if anyMatch(rule.AllowedMethods, "*", false) {
		methods = method
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAgeSeconds))
	}
}

// applyCORS decorates an actual (non-preflight) cross-origin request's
// response, errors included, so page scripts can read OSS's answer. A
// request no rule allows is still served, just without CORS headers; the
// browser then hides the response from the page.
func (e *Emulator) applyCORS(w http.ResponseWriter, r *http.Request) {
	conf := e.corsConfig() // bucketcors.go
	if conf.ResponseVary {
		w.Header().Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	if rule := matchCORS(conf.Rules, origin, r.Method, nil); rule != nil {
		setCORSHeaders(w.Header(), rule, origin, r.Method)
	}
}

// preflight answers OPTIONS (OSS's Options API). Messages for a missing
// Origin or method and a refused request are the ones OSS-compatible
// services use (docs/PROTOCOL.md#cors) [inferred].
func (e *Emulator) preflight(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	conf := e.corsConfig()
	if conf.ResponseVary {
		w.Header().Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		writeError(w, rc, newErr(400, "BadRequest", "Insufficient information. Origin request header needed."))
		return
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		writeError(w, rc, newErr(400, "BadRequest", "Invalid Access-Control-Request-Method: null"))
		return
	}
	var headers []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				headers = append(headers, strings.ToLower(h))
			}
		}
	}
	rule := matchCORS(conf.Rules, origin, method, headers)
	if rule == nil {
		writeError(w, rc, newErr(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec."))
		return
	}
	h := w.Header()
	setCORSHeaders(h, rule, origin, method)
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
