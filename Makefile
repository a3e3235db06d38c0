GO ?= go

.PHONY: build test bench lint data fuzz

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/eksnet .

# The tests start moto_server themselves where they need EC2; under CI=true a
# missing moto_server fails them instead of skipping.
test:
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseCNIVersion -fuzztime 30s ./calc

# Regenerate the embedded instance table: moto_server serves EC2's real
# instance catalogue; the supplement and the published branch ENI limits are
# merged in. Needs moto_server and ../shared/reference (or BRANCH_LIMITS=FILE).
BRANCH_LIMITS ?= ../shared/reference/branch-eni-limits.csv
data:
	@port=$$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	moto_server -H 127.0.0.1 -p $$port >/dev/null 2>&1 & pid=$$!; \
	trap "kill $$pid" EXIT; \
	for i in $$(seq 50); do curl -s -o /dev/null http://127.0.0.1:$$port/ && break; sleep 0.2; done; \
	AWS_ACCESS_KEY_ID=eksnet AWS_SECRET_ACCESS_KEY=eksnet \
	$(GO) run . instancedata pull --region us-east-1 --endpoint-url http://127.0.0.1:$$port \
		--branch-limits $(BRANCH_LIMITS) --out instancedata/instance-types.json
