// Package s3logs reads exported AWS Site-to-Site VPN logs from Amazon S3
// (--logs-s3 s3://bucket/prefix), read-only: ListObjectsV2 once at open,
// GetObject (whole, or ranged) per file read, HeadObject when the URL names
// one object.
//
// The objects under the prefix are served as a file system (bucketFS) to
// source.Local, which indexes and reads them as it does a --logs-dir
// folder: each object's streams and time ranges are learned once (cached
// in the user cache folder, keyed by key, size, LastModified and ETag, so
// a second start reads no object again) and a question reads only the
// objects its streams and window meet. Gzip objects are read whole (a gzip
// member cannot be entered in the middle); a large plain object named
// after its stream is read with ranged GETs from where the question's
// window starts. The stream names, the inventory inferred from them and
// vpn-connections.json are source.Local's, so both layouts AWS writes work:
//
//   - CloudWatch Logs' export to S3 (CreateExportTask):
//     <prefix>/<export-task-id>/<log-stream-name>/000000.gz, 000001.gz, …,
//     each line "<RFC 3339 time> <message>", plus <prefix>/aws-logs-write-test,
//     which is not logs.
//   - Vended log delivery to S3: AWSLogs/<account-id>/<service>/<region>/
//     <yyyy>/<MM>/<dd>/… (or its Hive form, aws-account-id=…/region=…), or
//     the delivery destination's prefix instead of AWSLogs/<account-id>/
//     <service>/, gzipped JSON lines. BGP records name their tunnel
//     (resource_id); tunnel-activity (IKE) records do not, so they are
//     placed by a stream name in the key, or reported as naming no
//     connection.
package s3logs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Config says where the logs are and how to reach them.
type Config struct {
	URL     string // --logs-s3: s3://bucket/prefix
	Region  string // "" = AWS_REGION / the profile's, else us-east-1; a bucket elsewhere is followed
	Profile string
	// Endpoint overrides the S3 endpoint (tests, S3-compatible stores, a
	// VPC endpoint); "" is AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL,
	// else S3's own. Requests to an overridden endpoint use path-style
	// addressing (https://endpoint/bucket/key), which S3-compatible stores
	// and S3's interface endpoints take.
	Endpoint    string
	Credentials sdkaws.CredentialsProvider // nil = the standard chain
	MaxAttempts int                        // per request (default 5)
	// IdleTimeout gives up a response body that sends nothing for this
	// long (default 60 s).
	IdleTimeout time.Duration
	// CacheBytes bounds the bytes of small objects (up to 4 MiB each) kept
	// in memory, so that reading one again costs no request: 0 is 128
	// MiB, < 0 none.
	CacheBytes int64
	// Parallel is how many objects are fetched at once (default 64: S3
	// answers many requests at once, and small objects cost a round trip
	// each).
	Parallel int
	// Local tunes the index and the reads (inflate limit, cache folder,
	// clock); the cache identity, parallelism and path label are set here.
	Local  source.LocalOptions
	Logger *slog.Logger
}

// Stats counts what a source fetched from S3.
type Stats struct {
	GetObject int64
	Bytes     int64
	Listed    int // objects listed at open
	ListPages int
}

// Source is the logs under an S3 location: a source.Local (Inventory,
// LogSource, LoadReporter) on the objects, plus what was fetched.
type Source struct {
	*source.Local
	st        *store
	listed    int
	listPages int
}

// Stats says how many objects were listed and fetched, and the bytes.
func (s *Source) Stats() Stats {
	return Stats{GetObject: s.st.gets.Load(), Bytes: s.st.bytes.Load(), Listed: s.listed, ListPages: s.listPages}
}

// Open lists the location and indexes its objects (in the background for
// a large listing, as source.Local does). A location that cannot be
// listed (no such bucket, access denied, another region that cannot be
// followed, nothing under the prefix) fails with a *source.Error naming
// the cause; an object that cannot be read is reported in the load report
// and the others are read.
func Open(ctx context.Context, cfg Config) (*Source, error) {
	loc, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, &source.Error{Op: "open S3 location", Cause: "BadURL", Msg: "--logs-s3 " + err.Error(), Err: err}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	st, err := newStore(ctx, cfg, loc, cfg.Region)
	if err != nil {
		return nil, err
	}
	objs, pages, err := st.list(ctx, logger)
	if r := redirectRegion(err); r != "" && r != st.region {
		// The bucket lives elsewhere: S3 says where; ask there.
		logger.Info("S3 bucket is in another region; listing it there", "bucket", loc.Bucket, "region", r)
		if st, err = newStore(ctx, cfg, loc, r); err != nil {
			return nil, err
		}
		objs, pages, err = st.list(ctx, logger)
	}
	if err != nil {
		return nil, st.listError(err)
	}
	if len(objs) == 0 && loc.Prefix != "" {
		// s3://bucket/path/file.gz names one object.
		if o, ok := st.head(ctx, loc.Prefix); ok {
			loc = Location{Bucket: loc.Bucket, Prefix: path.Dir(loc.Prefix)}
			if loc.Prefix == "." {
				loc.Prefix = ""
			}
			st.loc = loc
			objs = []listed{o}
		}
	}
	if len(objs) == 0 {
		return nil, &source.Error{Op: "ListObjectsV2", Cause: "Empty", Msg: fmt.Sprintf("no objects under %s: check the prefix (aws s3 ls %s/ lists what is there); --logs-s3 takes the prefix an export task or a log delivery writes under, as a folder", loc, loc)}
	}
	fsys, bad := newBucketFS(st, objs)
	var size int64
	for _, o := range objs {
		size += o.Size
	}
	logger.Info("S3 location listed", "location", loc.String(), "objects", len(objs), "bytes", size, "list_requests", pages, "layout", describeLayout(fsys))
	for i, b := range bad {
		if i == 20 {
			logger.Warn(fmt.Sprintf("%d more S3 keys not read", len(bad)-i))
			break
		}
		logger.Warn("S3 key not read: "+b.why, "key", loc.objectURL(b.key))
	}
	opt := cfg.Local
	opt.IndexCacheID = "s3://" + loc.Bucket + "/" + loc.Prefix + "|" + cfg.Endpoint
	opt.IndexCacheMinBytes = -1 // every object read again is a request
	opt.Parallel = cfg.Parallel
	if opt.Parallel <= 0 {
		opt.Parallel = 64
	}
	opt.PathLabel = "S3 objects (" + loc.String() + ")"
	l, err := source.OpenFSWith(fsys, loc.String(), logger, opt)
	if err != nil {
		return nil, err
	}
	return &Source{Local: l, st: st, listed: len(objs), listPages: pages}, nil
}

// newStore builds the S3 client for a region ("" = the configured one,
// else us-east-1, which S3 redirects from).
func newStore(ctx context.Context, cfg Config, loc Location, region string) (*store, error) {
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	awsCfg, err := awssource.LoadConfig(ctx, awssource.ConfigOptions{Region: region, Profile: cfg.Profile, Credentials: cfg.Credentials})
	if err != nil {
		return nil, &source.Error{Op: "load AWS config", Cause: "Config", Msg: fmt.Sprintf("AWS configuration for --logs-s3: %v (check --profile and ~/.aws/config)", err), Err: err}
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.RetryMaxAttempts = attempts
		// Objects are checked where it matters (gzip's CRC); a ranged GET
		// has no checksum to check, and the SDK would say so on stderr for
		// each one.
		o.ResponseChecksumValidation = sdkaws.ResponseChecksumValidationWhenRequired
		o.DisableLogOutputChecksumValidationSkipped = true
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
	})
	idle := cfg.IdleTimeout
	if idle <= 0 {
		idle = 60 * time.Second
	}
	st := &store{client: client, loc: loc, region: awsCfg.Region, idle: idle, resumes: 3}
	switch {
	case cfg.CacheBytes == 0:
		st.cache = newObjectCache(128<<20, 4<<20)
	case cfg.CacheBytes > 0:
		st.cache = newObjectCache(cfg.CacheBytes, min(cfg.CacheBytes, 4<<20))
	}
	return st, nil
}

// list lists every object under the location, 1000 keys a request.
func (s *store) list(ctx context.Context, logger *slog.Logger) ([]listed, int, error) {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: sdkaws.String(s.loc.listPrefix())})
	var out []listed
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, pages, err
		}
		pages++
		for _, o := range page.Contents {
			out = append(out, listed{Key: sdkaws.ToString(o.Key), Size: sdkaws.ToInt64(o.Size), LastModified: sdkaws.ToTime(o.LastModified),
				ETag: sdkaws.ToString(o.ETag), StorageClass: string(o.StorageClass)})
		}
		if pages%50 == 0 {
			logger.Info("listing S3 location", "location", s.loc.String(), "objects", len(out))
		}
	}
	return out, pages, nil
}

// head looks up one object by key.
func (s *store) head(ctx context.Context, key string) (listed, bool) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	if err != nil {
		return listed{}, false
	}
	return listed{Key: key, Size: sdkaws.ToInt64(out.ContentLength), LastModified: sdkaws.ToTime(out.LastModified), ETag: sdkaws.ToString(out.ETag),
		StorageClass: string(out.StorageClass)}, true
}

// describeLayout names the layouts found, for the log line at open.
func describeLayout(b *bucketFS) string {
	tasks := map[string]bool{}
	vended, other := 0, 0
	for rel := range b.files {
		parts := strings.Split(rel, "/")
		switch {
		case len(parts) >= 3 && isExportPart(parts[len(parts)-1]):
			tasks[strings.Join(parts[:len(parts)-2], "/")] = true
		case strings.HasPrefix(rel, "AWSLogs/") || strings.Contains(rel, "/AWSLogs/"):
			vended++
		case path.Base(rel) == source.ExportWriteTestName || vpnlog.IsSideFile(rel):
		default:
			other++
		}
	}
	var parts []string
	if len(tasks) > 0 {
		parts = append(parts, fmt.Sprintf("CloudWatch export (%d task folder(s))", len(tasks)))
	}
	if vended > 0 {
		parts = append(parts, fmt.Sprintf("vended log delivery (%d object(s) under AWSLogs/)", vended))
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("%d other object(s)", other))
	}
	return strings.Join(parts, ", ")
}

// isExportPart tells the part names of an export: 000000.gz, 000001.gz, …
func isExportPart(name string) bool {
	stem, ok := strings.CutSuffix(name, ".gz")
	if !ok || len(stem) != 6 {
		return false
	}
	for i := 0; i < len(stem); i++ {
		if stem[i] < '0' || stem[i] > '9' {
			return false
		}
	}
	return true
}
