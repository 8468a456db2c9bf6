package interop

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// bucketTagsWant is what bucketTags reads back, the row's own bucket
// called "self": GetBucketTags after PutBucketTags, the buckets ListBuckets
// gives for tag-key + tag-value and for tagging ("k":"v" as the SDK's
// TestListBuckets sends it), and GetBucketTags after DeleteBucketTags
// without keys, which deletes them all (ali-oss has no other form;
// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebuckettags).
const bucketTagsWant = "get=owner=self&team=media|tag-key=self|tagging=self|after-delete="

// matrixTagsBucket is the bucket a row makes, tags and deletes in
// bucketTags.
func matrixTagsBucket(prefix string) string { return matrixRowBucket(prefix) + "-tags" }

// goSDKBucketTags runs bucketTags with the Go SDK v2 on a bucket of the
// row's own, which it deletes again.
func goSDKBucketTags(ctx context.Context, client *oss.Client, name string) (string, error) {
	self := func(s string) string { return strings.ReplaceAll(s, name, "self") }
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(name)}); err != nil {
		return "", err
	}
	defer client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	tags := []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("media")}, {Key: oss.Ptr("owner"), Value: oss.Ptr(name)}}
	if _, err := client.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(name), Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: tags}}}); err != nil {
		return "", err
	}
	read := func() (string, error) {
		out, err := client.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: oss.Ptr(name)})
		if err != nil {
			return "", err
		}
		var pairs []string
		if out.Tagging != nil && out.Tagging.TagSet != nil {
			for _, t := range out.Tagging.TagSet.Tags {
				pairs = append(pairs, oss.ToString(t.Key)+"="+self(oss.ToString(t.Value)))
			}
		}
		sort.Strings(pairs)
		return strings.Join(pairs, "&"), nil
	}
	list := func(req *oss.ListBucketsRequest) (string, error) {
		out, err := client.ListBuckets(ctx, req)
		if err != nil {
			return "", err
		}
		var names []string
		for _, b := range out.Buckets {
			names = append(names, self(oss.ToString(b.Name)))
		}
		return strings.Join(names, ","), nil
	}
	get, err := read()
	if err != nil {
		return "", err
	}
	byKey, err := list(&oss.ListBucketsRequest{TagKey: oss.Ptr("owner"), TagValue: oss.Ptr(name)})
	if err != nil {
		return "", err
	}
	byTagging, err := list(&oss.ListBucketsRequest{Tagging: oss.Ptr(fmt.Sprintf("%q:%q", "owner", name))})
	if err != nil {
		return "", err
	}
	if _, err := client.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: oss.Ptr(name)}); err != nil {
		return "", err
	}
	after, err := read()
	return fmt.Sprintf("get=%s|tag-key=%s|tagging=%s|after-delete=%s", get, byKey, byTagging, after), err
}
