# Xiangzhi (乡治) — build, run, test, bench.
#
#   make run     install missing Debian packages, build, start a local
#                PostgreSQL under var/, migrate, load the demo county and
#                serve on 127.0.0.1:$(XZ_PORT) in the foreground
#   make test    the same on a throwaway cluster and port, then every suite
#   make bench   wrk against GET /api/v1/villages/{code} next to pgbench -S

CC	?= cc
BUILD	:= build
KORE_FEATURES := $(shell cat /usr/share/kore/features 2>/dev/null)

XZ_PORT		?= 8888
XZ_PG_PORT	?= 54329
XZ_WORKERS	?= 2
export XZ_PORT XZ_PG_PORT XZ_WORKERS

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes
CFLAGS	+= -std=gnu11 -O2 -g -fPIC $(WARN) -Iinclude -I/usr/include/postgresql \
	   $(KORE_FEATURES)
SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer

CORE_SRC   := app/core/core.c app/core/jwk.c app/http/auth.c app/core/secret.c \
	      app/core/idcodes.c
MODULE_SRC := app/module.c app/http/request.c app/http/routes.c \
	      app/http/metrics.c app/http/job.c app/db/db.c app/org/org.c \
	      app/identity/token.c app/identity/users.c \
	      app/identity/clients.c app/coops/coops.c app/coops/assets.c \
	      app/coops/deals.c app/funds/alloc.c app/funds/projects.c \
	      app/funds/pay.c app/personnel/personnel.c \
	      $(wildcard app/changes/*.c) $(wildcard app/dashboard/*.c) \
	      $(wildcard app/exports/*.c) $(wildcard app/web/*.c) $(CORE_SRC)
ADMIN_SRC  := app/admin/admin.c app/admin/seed.c \
	      app/admin/seed_personnel.c $(CORE_SRC)
UNIT_SRC   := $(wildcard tests/unit/*.c) $(CORE_SRC)
HEADERS    := $(wildcard include/xiangzhi/*.h) app/http/routes.def

# The dashboard page (issue 7), linked into the module (app/web/web.c);
# ECharts comes from npm (web/package-lock.json), installed by the build.
ECHARTS    := web/node_modules/echarts/dist/echarts.min.js
WEB_FILES  := web/index.html web/app.js web/app.css web/favicon.svg $(ECHARTS)

MODULE_LIBS := -lpq -ljansson -ljwt -lsodium -lcrypto -lcurl -lxlsxwriter
ADMIN_LIBS  := -lpq -ljansson -ljwt -lsodium -lcrypto

PACKAGES := kore libpq-dev libjansson-dev libjwt-dev libsodium-dev \
	    postgresql-15 postgresql-contrib postgresql-client-15 \
	    libssl-dev curl wrk gcc make libc6-dev binutils iproute2 procps \
	    libcurl4-openssl-dev libxlsxwriter-dev

# Only `make test` installs these: Chromium for the dashboard's end-to-end
# test (tests/api/dashboard-e2e.test.mjs) and a CJK font for its screenshot.
TEST_PACKAGES := chromium fonts-wqy-microhei

.PHONY: all deps test-deps build run test bench clean unit

all: build

build: $(BUILD)/xiangzhi.so $(BUILD)/xiangzhi-admin

# Installs what is missing (as root, with apt-get); prints what to install
# otherwise.  Node.js comes from Debian only when the machine has none.
deps:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "missing packages:$$missing (run as root or apt-get install them)"; \
			exit 1; \
		fi; \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y -qq --no-install-recommends $$missing \
		    >/dev/null; \
	fi

# TEST_PACKAGES, and tests/api's npm packages (playwright-core, the
# OpenAPI linter) when missing or older than their lockfile.
test-deps: tests/api/node_modules/.package-lock.json
	@missing=""; for p in $(TEST_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "missing packages:$$missing (run as root or apt-get install them)"; \
			exit 1; \
		fi; \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y -qq --no-install-recommends $$missing \
		    >/dev/null; \
	fi

tests/api/node_modules/.package-lock.json: tests/api/package-lock.json
	cd tests/api && npm ci --no-audit --no-fund
	@touch $@

$(BUILD)/openapi.o: app/http/openapi.json
	@mkdir -p $(BUILD)
	ld -r -b binary -z noexecstack -o $@ $<

# npm ci when web/node_modules is missing or older than the lockfile.
$(ECHARTS): web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $@

$(BUILD)/web.o: $(WEB_FILES)
	@mkdir -p $(BUILD)
	ld -r -b binary -z noexecstack -o $@ $(WEB_FILES)

$(BUILD)/xiangzhi.so: $(MODULE_SRC) $(HEADERS) $(BUILD)/openapi.o \
    $(BUILD)/web.o
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -shared -o $@ $(MODULE_SRC) $(BUILD)/openapi.o \
	    $(BUILD)/web.o $(MODULE_LIBS)

$(BUILD)/san/xiangzhi.so: $(MODULE_SRC) $(HEADERS) $(BUILD)/openapi.o \
    $(BUILD)/web.o
	@mkdir -p $(BUILD)/san
	$(CC) $(CFLAGS) $(SAN) -shared -o $@ $(MODULE_SRC) \
	    $(BUILD)/openapi.o $(BUILD)/web.o $(MODULE_LIBS)

$(BUILD)/xiangzhi-admin: $(ADMIN_SRC) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ $(ADMIN_SRC) $(ADMIN_LIBS)

# Token verification cost, run by `make bench`: -O2, no sanitizers.
$(BUILD)/bench-verify: tests/bench/verify.c $(CORE_SRC) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/bench/verify.c $(CORE_SRC) \
	    -ljansson -ljwt -lsodium -lcrypto

$(BUILD)/unit-tests: $(UNIT_SRC) $(HEADERS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(SAN) -o $@ $(UNIT_SRC) -ljansson -ljwt -lcrypto -lsodium

# deps first, then a fresh make: the Kore feature flags (which change the
# layout of Kore's structs) are only readable once kore is installed.
run: deps
	@$(MAKE) --no-print-directory build
	@tests/harness.sh run

test: deps
	@$(MAKE) --no-print-directory test-deps
	@$(MAKE) --no-print-directory build $(BUILD)/san/xiangzhi.so \
	    $(BUILD)/unit-tests
	@tests/harness.sh test

bench: deps
	@$(MAKE) --no-print-directory build $(BUILD)/bench-verify
	@tests/harness.sh bench

unit: $(BUILD)/unit-tests
	@$(BUILD)/unit-tests

clean:
	rm -rf $(BUILD)
