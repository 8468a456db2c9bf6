package osstest

import (
	"net/url"
	"strconv"
	"unicode/utf8"
)

// OSS's limits on the parameters of ListObjects and ListObjectsV2, each
// refused with 400 InvalidArgument and the EC of its page:
//   - max-keys: an integer from 1 to 1000, 0015-00000402
//     (https://help.aliyun.com/zh/oss/user-guide/0015-00000402);
//   - prefix: less than 1024 bytes, UTF-8, 0015-00000403
//     (https://help.aliyun.com/zh/oss/user-guide/0015-00000403);
//   - marker: less than 1024 bytes, 0015-00000405
//     (https://help.aliyun.com/en/oss/user-guide/0015-00000405);
//   - delimiter: one character, 0015-00000406
//     (https://help.aliyun.com/en/oss/user-guide/0015-00000406);
//   - start-after (V2): less than 1024 bytes, as the ListObjectsV2 page
//     says; no EC page names it, so none is sent;
//   - continuation-token (V2): one OSS issued, 0015-00000404
//     (https://help.aliyun.com/zh/oss/user-guide/0015-00000404), checked
//     by parseListQuery.
// The messages are the emulator's own [inferred]. ListObjectVersions has
// other ECs and is not checked here.

// maxListParamBytes is the longest prefix, marker or start-after: OSS
// wants them less than 1024 bytes.
const maxListParamBytes = 1023

// Listing ECs, from the pages above.
const (
	ecListMaxKeys           = "0015-00000402"
	ecListPrefix            = "0015-00000403"
	ecListContinuationToken = "0015-00000404"
	ecListMarker            = "0015-00000405"
	ecListDelimiter         = "0015-00000406"
)

// checkListLimits applies the limits above to a ListObjects (v2 false) or
// ListObjectsV2 query.
func checkListLimits(q url.Values, v2 bool) *ossError {
	if v := q.Get("max-keys"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxMaxKeys {
			return newErr(400, "InvalidArgument", "Argument max-keys must be an integer between 1 and 1000.").withEC(ecListMaxKeys).withArg("max-keys", v)
		}
	}
	if v := q.Get("prefix"); len(v) > maxListParamBytes || !utf8.ValidString(v) {
		return newErr(400, "InvalidArgument", "The prefix must be UTF-8 and less than 1024 bytes.").withEC(ecListPrefix).withArg("prefix", v)
	}
	if v := q.Get("delimiter"); utf8.RuneCountInString(v) > 1 {
		return newErr(400, "InvalidArgument", "The delimiter must be one character.").withEC(ecListDelimiter).withArg("delimiter", v)
	}
	if v := q.Get("marker"); !v2 && len(v) > maxListParamBytes {
		return newErr(400, "InvalidArgument", "The marker must be less than 1024 bytes.").withEC(ecListMarker).withArg("marker", v)
	}
	if v := q.Get("start-after"); v2 && len(v) > maxListParamBytes {
		return newErr(400, "InvalidArgument", "The start-after must be less than 1024 bytes.").withArg("start-after", v)
	}
	return nil
}
