package s3logs

import (
	"fmt"
	"strings"
)

// Location is where exported logs are in S3: a bucket and a prefix that is
// read as a folder ("" is the whole bucket).
type Location struct {
	Bucket string
	Prefix string // without a leading or trailing slash
}

// ParseURL reads --logs-s3: "s3://bucket", "s3://bucket/prefix" or
// "s3://bucket/prefix/". The prefix is a folder: s3://b/exports reads
// exports/… , not exports-old/….
func ParseURL(s string) (Location, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return Location{}, fmt.Errorf("%q is not an S3 URL: write s3://BUCKET or s3://BUCKET/PREFIX (the prefix CloudWatch's export or log delivery writes under)", s)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if err := checkBucketName(bucket); err != nil {
		return Location{}, fmt.Errorf("%q: %v", s, err)
	}
	return Location{Bucket: bucket, Prefix: strings.Trim(prefix, "/")}, nil
}

// checkBucketName applies S3's naming rules for general purpose buckets
// (3 to 63 characters: lower-case letters, digits, dots and hyphens,
// starting and ending with a letter or digit), so a typo is named before
// any request.
func checkBucketName(b string) error {
	if b == "" {
		return fmt.Errorf("no bucket name: write s3://BUCKET/PREFIX")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, dots and hyphens", b)
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// String is the location as an S3 URL.
func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// listPrefix is the ListObjectsV2 prefix: the folder, slash-terminated.
func (l Location) listPrefix() string {
	if l.Prefix == "" {
		return ""
	}
	return l.Prefix + "/"
}

// key is the object key of a path below the location.
func (l Location) key(rel string) string { return l.listPrefix() + rel }

// objectURL names an object as a user would copy it.
func (l Location) objectURL(key string) string { return "s3://" + l.Bucket + "/" + key }
