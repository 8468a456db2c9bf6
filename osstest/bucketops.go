package osstest

import (
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
)

// createBucketConfiguration is PutBucket's optional body
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket).
type createBucketConfiguration struct {
	StorageClass       string `xml:"StorageClass"`
	DataRedundancyType string `xml:"DataRedundancyType"`
}

// putBucket serves PutBucket on e, the bucket set's configured bucket (to
// make the bucket name) or an existing bucket (name is e's). OSS answers a
// PutBucket of an existing bucket of the same account with 200 and takes
// the request's metadata (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket).
func (e *Emulator) putBucket(w http.ResponseWriter, r *http.Request, rc *reqCtx, name string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeError(w, rc, errInternal(err))
		return
	}
	if _, oe := e.authenticateRequest(r, name, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	if !bucketNameRE.MatchString(name) {
		writeError(w, rc, newErr(400, "InvalidBucketName", "The specified bucket is not valid.").withArg("BucketName", name))
		return
	}
	acl := r.Header.Get("X-Oss-Acl")
	if acl != "" && !validBucketACL(acl) {
		writeError(w, rc, errNoSuchBucketACL(acl)) // acl.go
		return
	}
	var conf createBucketConfiguration
	if len(body) > 0 && xml.Unmarshal(body, &conf) != nil {
		writeError(w, rc, newErr(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema."))
		return
	}
	if conf.StorageClass == "" {
		conf.StorageClass = "Standard"
	}
	if conf.DataRedundancyType == "" {
		conf.DataRedundancyType = "LRS"
	}
	s := e.buckets
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.byName[name]; b != nil {
		// The bucket is the caller's (the emulator has one account): OSS
		// applies the request's x-oss-acl to it.
		if acl != "" {
			if err := b.setInfo(func(i *bucketInfo) { i.ACL = acl }); err != nil {
				writeError(w, rc, errInternal(err))
				return
			}
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	if acl == "" {
		acl = aclPrivate
	}
	if err := s.root.store.journal.append(); err != nil { // refused after Close (persist.go)
		writeError(w, rc, errInternal(err))
		return
	}
	info := bucketInfo{Name: name, ACL: acl, Created: e.now().UTC(), StorageClass: conf.StorageClass, DataRedundancyType: conf.DataRedundancyType}
	if _, err := s.open(info); err != nil {
		writeError(w, rc, errInternal(err))
		return
	}
	w.Header().Set("Location", "/"+name)
	w.WriteHeader(http.StatusOK)
}

// deleteBucket serves DeleteBucket: 204, or 409 BucketNotEmpty while the
// bucket holds objects or multipart uploads
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucket).
// The configured bucket cannot be deleted: tests and the emulator's
// accessors rely on it.
func (e *Emulator) deleteBucket(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	s := e.buckets
	if e == s.root {
		writeError(w, rc, newErr(403, "AccessDenied", "The emulator's configured bucket cannot be deleted."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e.mp.mu.Lock()
	uploads := len(e.mp.uploads)
	e.mp.mu.Unlock()
	if uploads > 0 || !e.store.empty() { // versions.go
		writeError(w, rc, newErr(409, "BucketNotEmpty", "The bucket you tried to delete is not empty.").withEC("0015-00000301").withArg("BucketName", e.bucket))
		return
	}
	if err := e.store.journal.append(); err != nil { // refused after Close (persist.go)
		writeError(w, rc, errInternal(err))
		return
	}
	delete(s.byName, e.bucket)
	e.store.close()
	if e.store.dir != "" {
		os.Remove(e.store.dir + ".json")
		os.RemoveAll(e.store.dir)
	}
	w.WriteHeader(http.StatusNoContent)
}

// bucketInfoXML is GetBucketInfo's answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketinfo).
type bucketInfoXML struct {
	XMLName xml.Name `xml:"BucketInfo"`
	Bucket  struct {
		AccessMonitor          string   `xml:"AccessMonitor"`
		CreationDate           string   `xml:"CreationDate"`
		ExtranetEndpoint       string   `xml:"ExtranetEndpoint"`
		IntranetEndpoint       string   `xml:"IntranetEndpoint"`
		Location               string   `xml:"Location"`
		StorageClass           string   `xml:"StorageClass"`
		TransferAcceleration   string   `xml:"TransferAcceleration"`
		CrossRegionReplication string   `xml:"CrossRegionReplication"`
		DataRedundancyType     string   `xml:"DataRedundancyType"`
		Name                   string   `xml:"Name"`
		Region                 string   `xml:"Region"`
		ResourceGroupID        string   `xml:"ResourceGroupId"`
		Owner                  ownerXML `xml:"Owner"`
		ACL                    string   `xml:"AccessControlList>Grant"`
		Comment                string   `xml:"Comment"`
		BlockPublicAccess      bool     `xml:"BlockPublicAccess"`
		LogBucket              string   `xml:"BucketPolicy>LogBucket"`
		LogPrefix              string   `xml:"BucketPolicy>LogPrefix"`
		ServerSideEncryption   struct {
			SSEAlgorithm string `xml:"SSEAlgorithm"`
		} `xml:"ServerSideEncryptionRule"`
		Versioning string `xml:"Versioning,omitempty"` // once PutBucketVersioning set it
	} `xml:"Bucket"`
}

// defaultResourceGroup is the ID by which OSS names an account's default
// resource group: ListBuckets takes it in x-oss-resource-group-id
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listbuckets).
// Every bucket of the emulator is in it.
const defaultResourceGroup = "rg-default-id"

// getBucketInfo serves GetBucketInfo. The endpoints are the emulator's own
// address, where OSS names its public and internal endpoints: clients
// (the SDK's test cleanup among them) connect to what they are told.
// Features the emulator does not have are answered as OSS answers a bucket
// without them: access tracking, transfer acceleration and cross-region
// replication "Disabled", no logging (empty BucketPolicy), and an empty
// SSEAlgorithm, which the official Go SDK v2's TestGetBucketInfo expects
// of a new bucket where older doc examples show "None". BlockPublicAccess
// is on while the bucket's ACL is private: OSS turns it on for buckets
// made through the API since October 2025
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket),
// and the emulator, which has no Put/DeleteBucketPublicAccessBlock, lets a
// public ACL be set as after DeleteBucketPublicAccessBlock.
func (e *Emulator) getBucketInfo(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	var res bucketInfoXML
	b := &res.Bucket
	info := e.bucketInfo()
	b.AccessMonitor, b.TransferAcceleration, b.CrossRegionReplication = "Disabled", "Disabled", "Disabled"
	b.CreationDate = info.Created.UTC().Format(listTimeFormat)
	b.ExtranetEndpoint, b.IntranetEndpoint = endpointOf(r), endpointOf(r)
	b.Location, b.Region = "oss-"+e.region, e.region
	b.StorageClass, b.DataRedundancyType = info.StorageClass, info.DataRedundancyType
	b.Name, b.ACL, b.ResourceGroupID = e.bucket, info.ACL, defaultResourceGroup
	b.Owner = e.owner()
	b.BlockPublicAccess = info.ACL == aclPrivate
	b.Versioning = info.Versioning
	writeXML(w, http.StatusOK, &res)
}

// endpointOf is the host (without a bucket label) r reached the emulator
// on, which clients given it as an endpoint can use again.
func endpointOf(r *http.Request) string {
	if bucketFromHost(r.Host) == "" {
		return r.Host
	}
	_, rest, _ := strings.Cut(r.Host, ".")
	return rest
}

// ownerXML is an Owner element.
type ownerXML struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// owner is the account that owns the buckets, as listings name it.
func (e *Emulator) owner() ownerXML {
	id := e.bucketOwner() // listhttp.go
	return ownerXML{ID: id, DisplayName: id}
}

// listAllMyBucketsResult is ListBuckets' answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listbuckets).
type listAllMyBucketsResult struct {
	XMLName     xml.Name        `xml:"ListAllMyBucketsResult"`
	Prefix      string          `xml:"Prefix,omitempty"`
	Marker      string          `xml:"Marker,omitempty"`
	MaxKeys     int             `xml:"MaxKeys,omitempty"`
	IsTruncated bool            `xml:"IsTruncated"`
	NextMarker  string          `xml:"NextMarker,omitempty"`
	Owner       ownerXML        `xml:"Owner"`
	Buckets     []bucketListing `xml:"Buckets>Bucket"`
}

type bucketListing struct {
	CreationDate     string `xml:"CreationDate"`
	ExtranetEndpoint string `xml:"ExtranetEndpoint"`
	IntranetEndpoint string `xml:"IntranetEndpoint"`
	Location         string `xml:"Location"`
	Name             string `xml:"Name"`
	Region           string `xml:"Region"`
	StorageClass     string `xml:"StorageClass"`
	ResourceGroupID  string `xml:"ResourceGroupId"`
}

// listBuckets serves ListBuckets (GET / signed for no bucket): the buckets
// in name order after marker, with prefix, carrying the tags the request
// names (buckettags.go), at most max-keys (default 100, at most 1000) of
// them. A resource group other than the default one holds no bucket.
func (e *Emulator) listBuckets(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	q := r.URL.Query()
	prefix, marker := q.Get("prefix"), q.Get("marker")
	maxKeys := 100
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, rc, newErr(400, "InvalidArgument", "Argument max-keys must be an integer between 1 and 1000.").withArg("max-keys", v))
			return
		}
		maxKeys = n
	}
	want, oe := parseBucketTagFilter(q)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	group := r.Header.Get("X-Oss-Resource-Group-Id")
	res := listAllMyBucketsResult{Prefix: prefix, Marker: marker, Owner: e.owner()}
	if q.Has("max-keys") {
		res.MaxKeys = maxKeys
	}
	var all []*Emulator
	if group == "" || group == defaultResourceGroup {
		all = e.buckets.after(prefix, marker)
	}
	for _, b := range all {
		info := b.bucketInfo()
		if !want.matches(info.Tags) {
			continue
		}
		if len(res.Buckets) == maxKeys {
			res.IsTruncated, res.NextMarker = true, res.Buckets[maxKeys-1].Name
			break
		}
		res.Buckets = append(res.Buckets, bucketListing{
			CreationDate:     info.Created.UTC().Format(listTimeFormat),
			ExtranetEndpoint: endpointOf(r), IntranetEndpoint: endpointOf(r),
			Location: "oss-" + b.region, Name: b.bucket, Region: b.region, StorageClass: info.StorageClass,
			ResourceGroupID: defaultResourceGroup,
		})
	}
	writeXML(w, http.StatusOK, &res)
}

// after returns the buckets whose names start with prefix and sort after
// marker, in name order.
func (s *bucketSet) after(prefix, marker string) []*Emulator {
	s.mu.Lock()
	all := make([]*Emulator, 0, len(s.byName))
	for name, b := range s.byName {
		if strings.HasPrefix(name, prefix) && name > marker {
			all = append(all, b)
		}
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].bucket < all[j].bucket })
	return all
}
