# thuvien: GNU make build. `make` builds build/thuvien; `make test` runs every test (what CI runs);
# `make sanitize` builds the ASan+UBSan variant in build/asan and runs the whole suite with it.
# Libraries come from pkg-config; scripts/install-deps.sh installs them on Debian 12.

PKGS     := libmicrohttpd sqlite3 libpq libsodium libutf8proc jansson yaz pangocairo libzip
# libxlsxwriter: the product writes .xlsx downloads (src/base/xlsxw.c).
PKGS     += xlsxwriter
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wvla -Wundef -Wno-unused-parameter
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) $(SAN) -Isrc -I$(BUILD)/gen \
             $(shell pkg-config --cflags $(PKGS)) -MMD -MP
LDLIBS   := $(shell pkg-config --libs $(PKGS)) -lzint -pthread -lm
# Tests only: libxlsxwriter writes the real .xlsx files the XLSX reader is tested on.
TEST_LIBS := $(shell pkg-config --libs xlsxwriter)

# The product: every .c under src/, main.c kept apart so tests can link the rest.
SRC      := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/main.c,$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/assets.o
MAIN_OBJ := $(BUILD)/src/cli/main.o

# Files compiled into the binary (single-file deploy): templates, translations, migrations,
# our static assets and the npm front-end libraries (gzip'ed copies too for static files).
NPM_ASSETS := node_modules/htmx.org/dist/htmx.min.js node_modules/@picocss/pico/css/pico.min.css
ASSETS   := $(wildcard templates/*.html) $(wildcard i18n/*.txt) $(wildcard src/db/migrations/*.sql) \
            $(wildcard static/*) data/common-passwords.txt $(wildcard data/reports/*.json)
STATIC   := $(wildcard static/*) $(NPM_ASSETS)

TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test sanitize test-sanitize unit clean demo print-pkgs
all: $(BUILD)/thuvien $(TEST_BIN)

$(BUILD)/thuvien: $(MAIN_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c | $(BUILD)/gen/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h tests/unit/testdb.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS) $(TEST_LIBS)

# --- embedded assets ------------------------------------------------------------------------
# The benches' programs (bench/*.c), built when a bench asks: `make build/bench/lending_gen`.
$(BUILD)/bench/%: bench/%.c bench/*.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ibench -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O2 -Wall -o $@ $<

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@
$(NPM_ASSETS): node_modules/.package-lock.json

$(BUILD)/gen/assets.c: $(BUILD)/embed $(ASSETS) $(NPM_ASSETS)
	@mkdir -p $(BUILD)/gen/gz
	@for f in $(STATIC); do gzip -9 -n -c $$f > $(BUILD)/gen/gz/$$(basename $$f).gz; done
	$(BUILD)/embed $@ $(foreach f,$(ASSETS),$(f)=$(f)) \
	    $(foreach f,$(NPM_ASSETS),static/$(notdir $(f))=$(f)) \
	    $(foreach f,$(STATIC),static/$(notdir $(f)).gz=$(BUILD)/gen/gz/$(notdir $(f)).gz)

$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# --- tests ----------------------------------------------------------------------------------
test:
	scripts/test.sh

unit: $(TEST_BIN)
	@for t in $(TEST_BIN); do $$t || exit 1; done

sanitize:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all

# The whole suite (unit, HTTP, both backends) with the sanitizer build only.
test-sanitize: sanitize
	BUILDS=build/asan SUITES="unit http" scripts/test.sh

demo: all
	scripts/demo.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The pkg-config packages, for programs built outside make (bench/*.sh): one list to keep.
print-pkgs:
	@echo $(PKGS)
