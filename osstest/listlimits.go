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
// ListObjectVersions has the same limits with ECs of its own: max-keys
// 0012-00000102 (https://help.aliyun.com/zh/oss/support/0012-00000102),
// prefix 0012-00000103 (https://help.aliyun.com/zh/oss/support/0012-00000103),
// key-marker 0012-00000104 (https://help.aliyun.com/document_detail/600101.html),
// delimiter 0012-00000107 (https://help.aliyun.com/document_detail/600104.html);
// and version-id-marker needs key-marker, 0012-00000106
// (https://help.aliyun.com/document_detail/600103.html).
// The messages are the emulator's own [inferred].

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

// listLimits names one listing's marker parameter and the ECs of its
// limits ("" for a limit no EC page names).
type listLimits struct {
	marker                                 string
	ecMaxKeys, ecPrefix, ecMarker, ecDelim string
}

var (
	listV1Limits       = listLimits{"marker", ecListMaxKeys, ecListPrefix, ecListMarker, ecListDelimiter}
	listV2Limits       = listLimits{"start-after", ecListMaxKeys, ecListPrefix, "", ecListDelimiter}
	listVersionsLimits = listLimits{"key-marker", "0012-00000102", "0012-00000103", "0012-00000104", "0012-00000107"}
)

// checkListLimits applies the limits above to a ListObjects (v2 false) or
// ListObjectsV2 query.
func checkListLimits(q url.Values, v2 bool) *ossError {
	if v2 {
		return listV2Limits.check(q)
	}
	return listV1Limits.check(q)
}

func (l listLimits) check(q url.Values) *ossError {
	if v := q.Get("max-keys"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxMaxKeys {
			return newErr(400, "InvalidArgument", "Argument max-keys must be an integer between 1 and 1000.").withEC(l.ecMaxKeys).withArg("max-keys", v)
		}
	}
	if v := q.Get("prefix"); len(v) > maxListParamBytes || !utf8.ValidString(v) {
		return newErr(400, "InvalidArgument", "The prefix must be UTF-8 and less than 1024 bytes.").withEC(l.ecPrefix).withArg("prefix", v)
	}
	if v := q.Get("delimiter"); utf8.RuneCountInString(v) > 1 {
		return newErr(400, "InvalidArgument", "The delimiter must be one character.").withEC(l.ecDelim).withArg("delimiter", v)
	}
	if v := q.Get(l.marker); len(v) > maxListParamBytes {
		return newErr(400, "InvalidArgument", "The "+l.marker+" must be less than 1024 bytes.").withEC(l.ecMarker).withArg(l.marker, v)
	}
	return nil
}

// checkVersionListLimits applies ListObjectVersions' limits.
func checkVersionListLimits(q url.Values) *ossError {
	if oe := listVersionsLimits.check(q); oe != nil {
		return oe
	}
	if v := q.Get("version-id-marker"); v != "" && q.Get("key-marker") == "" {
		return newErr(400, "InvalidArgument", "The version-id-marker needs a key-marker.").withEC("0012-00000106").withArg("version-id-marker", v)
	}
	return nil
}
