// Package fakesns is an in-process stand-in for Amazon SNS's Publish,
// speaking its wire protocol (awsQuery: a form in, XML out), so the real
// aws-sdk-go-v2 SNS client talks to it through BaseEndpoint. It checks what
// SNS checks (the topic exists, subject length and characters, message
// size, a "default" key in a JSON message structure, FIFO fields) and can
// inject errors, so tests see both the messages and the failures.
package fakesns

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one accepted Publish.
type Message struct {
	ID                string
	TopicARN          string
	Subject           string
	Message           string            // as sent
	Structure         string            // "json" or ""
	Attributes        map[string]string // name -> string value
	GroupID, DedupID  string
	At                time.Time
	AuthorizationHead string // the SigV4 Authorization header
}

// Body returns what a subscriber of the protocol ("email", "sqs", ...)
// receives: the protocol's entry of a JSON structure, else "default", or
// the message itself.
func (m Message) Body(protocol string) string {
	if m.Structure != "json" {
		return m.Message
	}
	var per map[string]string
	if err := json.Unmarshal([]byte(m.Message), &per); err != nil {
		return ""
	}
	if v, ok := per[protocol]; ok {
		return v
	}
	return per["default"]
}

// Fault is an injected error: the next Times Publish requests (0 = all)
// get Code with HTTP Status.
type Fault struct {
	Code    string // e.g. Throttling, InternalError, NotFound, AuthorizationError
	Status  int    // default 400 (500 for InternalError)
	Message string
	Times   int

	fired int
}

// Server is the fake. Close it when done.
type Server struct {
	*httptest.Server
	Region string

	mu       sync.Mutex
	topics   map[string]bool
	messages []Message
	faults   []*Fault
	requests int
	seq      int
}

// New starts a fake SNS for region (default eu-central-1).
func New(region string) *Server {
	if region == "" {
		region = "eu-central-1"
	}
	s := &Server{Region: region, topics: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddTopic creates a topic and returns its ARN.
func (s *Server) AddTopic(name string) string {
	arn := fmt.Sprintf("arn:aws:sns:%s:111122223333:%s", s.Region, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topics[arn] = true
	return arn
}

// AddFault injects an error; it returns the fault so tests can see how
// often it fired.
func (s *Server) AddFault(f Fault) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Status == 0 {
		f.Status = 400
		if f.Code == "InternalError" {
			f.Status = 500
		}
	}
	if f.Message == "" {
		f.Message = "injected " + f.Code
	}
	ff := f
	s.faults = append(s.faults, &ff)
	return &ff
}

// Fired reports how often a fault fired.
func (s *Server) Fired(f *Fault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.fired
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Requests counts every request, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

type publishResponse struct {
	XMLName        xml.Name `xml:"PublishResponse"`
	Xmlns          string   `xml:"xmlns,attr"`
	MessageID      string   `xml:"PublishResult>MessageId"`
	SequenceNumber string   `xml:"PublishResult>SequenceNumber,omitempty"`
	RequestID      string   `xml:"ResponseMetadata>RequestId"`
}

const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

func writeError(w http.ResponseWriter, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	b, _ := xml.Marshal(errorResponse{Xmlns: xmlns, Type: typ, Code: code, Message: msg, RequestID: "fake-request"})
	w.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		writeError(w, 400, "InvalidParameter", err.Error())
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, 400, "MalformedQueryString", err.Error())
		return
	}
	s.mu.Lock()
	s.requests++
	var fault *Fault
	for _, f := range s.faults {
		if f.Times > 0 && f.fired >= f.Times {
			continue
		}
		f.fired++
		fault = f
		break
	}
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if !strings.Contains(auth, "/"+s.Region+"/sns/aws4_request") {
		writeError(w, 403, "InvalidClientTokenId", "request not signed for sns in "+s.Region)
		return
	}
	if fault != nil {
		writeError(w, fault.Status, fault.Code, fault.Message)
		return
	}
	switch form.Get("Action") {
	case "Publish":
		s.publish(w, form, auth)
	default:
		writeError(w, 400, "InvalidAction", "fakesns does not implement "+form.Get("Action"))
	}
}

func (s *Server) publish(w http.ResponseWriter, form url.Values, auth string) {
	if v := form.Get("Version"); v != "2010-03-31" {
		writeError(w, 400, "InvalidParameter", "unknown Version "+v)
		return
	}
	m := Message{TopicARN: form.Get("TopicArn"), Subject: form.Get("Subject"), Message: form.Get("Message"),
		Structure: form.Get("MessageStructure"), GroupID: form.Get("MessageGroupId"), DedupID: form.Get("MessageDeduplicationId"),
		Attributes: map[string]string{}, At: time.Now(), AuthorizationHead: auth}
	if form.Get("TargetArn") != "" || form.Get("PhoneNumber") != "" {
		writeError(w, 400, "InvalidParameter", "fakesns publishes to topics only")
		return
	}
	s.mu.Lock()
	known := s.topics[m.TopicARN]
	s.mu.Unlock()
	if !known {
		writeError(w, 404, "NotFound", "Topic does not exist")
		return
	}
	if m.Message == "" {
		writeError(w, 400, "InvalidParameter", "Invalid parameter: Message")
		return
	}
	if len(m.Message) > 256*1024 {
		writeError(w, 400, "InvalidParameter", "Invalid parameter: Message too long")
		return
	}
	if _, ok := form["Subject"]; ok {
		if m.Subject == "" || len(m.Subject) >= 100 {
			writeError(w, 400, "InvalidParameter", "Invalid parameter: Subject")
			return
		}
		for _, c := range m.Subject {
			if c < 0x20 || c >= 0x7f {
				writeError(w, 400, "InvalidParameter", "Invalid parameter: Subject (printable ASCII only, no line breaks)")
				return
			}
		}
	}
	if m.Structure != "" {
		if m.Structure != "json" {
			writeError(w, 400, "InvalidParameter", "Invalid parameter: MessageStructure")
			return
		}
		var per map[string]any
		if err := json.Unmarshal([]byte(m.Message), &per); err != nil {
			writeError(w, 400, "InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse")
			return
		}
		if _, ok := per["default"]; !ok {
			writeError(w, 400, "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
			return
		}
		for k, v := range per {
			if _, ok := v.(string); !ok {
				writeError(w, 400, "InvalidParameter", "Invalid parameter: Message Structure - "+k+" is not a string")
				return
			}
		}
	}
	fifo := strings.HasSuffix(m.TopicARN, ".fifo")
	if fifo && m.GroupID == "" {
		writeError(w, 400, "InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
		return
	}
	if !fifo && m.DedupID != "" {
		writeError(w, 400, "InvalidParameter", "Invalid parameter: MessageDeduplicationId is only for FIFO topics")
		return
	}
	// MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue
	var idx []int
	for k := range form {
		if rest, ok := strings.CutPrefix(k, "MessageAttributes.entry."); ok {
			if n, _, ok := strings.Cut(rest, "."); ok {
				if i, err := strconv.Atoi(n); err == nil {
					idx = append(idx, i)
				}
			}
		}
	}
	sort.Ints(idx)
	for _, i := range idx {
		p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		name := form.Get(p + "Name")
		if name == "" {
			continue
		}
		if dt := form.Get(p + "Value.DataType"); dt != "String" && dt != "Number" && dt != "String.Array" && dt != "Binary" {
			writeError(w, 400, "ParameterValueInvalid", "The message attribute '"+name+"' has an invalid message attribute type")
			return
		}
		m.Attributes[name] = form.Get(p + "Value.StringValue")
	}
	s.mu.Lock()
	s.seq++
	m.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	s.messages = append(s.messages, m)
	seq := ""
	if fifo {
		seq = fmt.Sprintf("%020d", s.seq)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	b, _ := xml.Marshal(publishResponse{Xmlns: xmlns, MessageID: m.ID, SequenceNumber: seq, RequestID: "fake-request"})
	w.Write(b)
}
