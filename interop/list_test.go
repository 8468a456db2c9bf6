package interop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestSDKListObjects: the SDK's ListObjects and ListObjectsV2 paginators
// (which always ask for encoding-type=url and decode what they get) page
// through the emulator's listing: 100 keys a page by default, as OSS
// documents (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectsv2),
// or the paginator's limit; every key once, in order, with a key that
// needs URL encoding; a delimiter gives CommonPrefixes; Owner comes with
// ListObjects and with ListObjectsV2's fetch-owner.
func TestSDKListObjects(t *testing.T) {
	srv := newEmulator(t)
	ctx := context.Background()
	var want []string
	for i := range 230 {
		want = append(want, fmt.Sprintf("list/a/%03d", i))
	}
	want = append(want, "list/b/x", "list/sp ace+ü%.txt", "list/top.txt")
	slices.Sort(want)
	put := emuClient(srv, oss.SignatureVersionV4, emuKeys[0])
	for _, k := range want {
		if _, err := put.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}
	for _, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			for _, limit := range []int32{0, 40} {
				var keys []string
				pages := 0
				p := client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("list/")},
					func(o *oss.PaginatorOptions) { o.Limit = limit })
				for p.HasNext() {
					res, err := p.NextPage(ctx)
					if err != nil {
						t.Fatalf("ListObjectsV2 page %d: %v", pages+1, err)
					}
					pages++
					wantMax := int32(100)
					if limit > 0 {
						wantMax = limit
					}
					if res.MaxKeys != wantMax || int32(len(res.Contents)) > wantMax || res.KeyCount != len(res.Contents) {
						t.Errorf("page %d: MaxKeys %d, %d keys, KeyCount %d", pages, res.MaxKeys, len(res.Contents), res.KeyCount)
					}
					for _, o := range res.Contents {
						keys = append(keys, oss.ToString(o.Key))
						if o.Owner != nil || o.LastModified == nil || o.LastModified.IsZero() {
							t.Errorf("%s: Owner %v without fetch-owner, LastModified %v", oss.ToString(o.Key), o.Owner, o.LastModified)
						}
					}
				}
				if !slices.Equal(keys, want) {
					t.Errorf("ListObjectsV2 limit %d: %d keys, want %d: %q", limit, len(keys), len(want), keys)
				}
				if wantPages := (len(want) + 99) / 100; limit == 0 && pages != wantPages {
					t.Errorf("ListObjectsV2 default: %d pages, want %d", pages, wantPages)
				}
			}

			var keys []string
			p := client.NewListObjectsPaginator(&oss.ListObjectsRequest{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("list/")},
				func(o *oss.PaginatorOptions) { o.Limit = 70 })
			for p.HasNext() {
				res, err := p.NextPage(ctx)
				if err != nil {
					t.Fatalf("ListObjects: %v", err)
				}
				for _, o := range res.Contents {
					keys = append(keys, oss.ToString(o.Key))
					if o.Owner == nil || oss.ToString(o.Owner.ID) == "" {
						t.Errorf("ListObjects %s: no Owner", oss.ToString(o.Key))
					}
				}
			}
			if !slices.Equal(keys, want) {
				t.Errorf("ListObjects: %d keys, want %d", len(keys), len(want))
			}

			res, err := client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("list/"),
				Delimiter: oss.Ptr("/"), FetchOwner: true})
			if err != nil {
				t.Fatalf("ListObjectsV2 with delimiter: %v", err)
			}
			var prefixes, top []string
			for _, cp := range res.CommonPrefixes {
				prefixes = append(prefixes, oss.ToString(cp.Prefix))
			}
			for _, o := range res.Contents {
				top = append(top, oss.ToString(o.Key))
				if o.Owner == nil {
					t.Errorf("fetch-owner: %s has no Owner", oss.ToString(o.Key))
				}
			}
			if !slices.Equal(prefixes, []string{"list/a/", "list/b/"}) || !slices.Equal(top, []string{"list/sp ace+ü%.txt", "list/top.txt"}) || res.KeyCount != 4 {
				t.Errorf("delimiter: prefixes %q, keys %q, KeyCount %d", prefixes, top, res.KeyCount)
			}
		})
	}
}
