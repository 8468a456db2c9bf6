package osstest

import "net/http"

// responseOverrides are GetObject's query parameters that set a header of
// the answer in place of the stored one, for signed requests
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobject):
// how an app hands out a download that saves under the original name.
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// applyOverrides sets the headers the response-* parameters of a signed
// GET ask for. An anonymous request's are ignored [inferred: the
// documentation offers them for signed requests only].
func applyOverrides(h http.Header, r *http.Request) {
	if !isSigned(r) {
		return
	}
	q := r.URL.Query()
	for _, o := range responseOverrides {
		if q.Has(o.param) {
			h.Set(o.header, q.Get(o.param))
		}
	}
}
