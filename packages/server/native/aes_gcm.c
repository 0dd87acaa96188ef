// AES-128-GCM with one OpenSSL context per key, for Kaigi's SRTP (RFC 7714; issue 15 item 2, A6).
//
// Why native: node:crypto has no way to keep a GCM context across IVs, so every packet pays
// createCipheriv (~5-7 us per 1200-byte packet here); OpenSSL with a reused context only sets the
// IV per packet. No maintained npm package binds libsrtp or a reusable GCM context
// (docs/field-notes.md), so this is a small N-API binding of Node's own OpenSSL: EVP_* resolve
// from the node binary, headers come from the node headers (/usr/include/node).
//
// JS API (packages/server/src/sfu/srtp/nativeAesGcm.ts is the only user):
//   new AesGcm(key: 16-byte Buffer)
//   seal(iv: 12-byte Buffer, buf, aadEnd, end, extraAad?) -> end + 16
//     authenticates buf[0, aadEnd) then extraAad, encrypts buf[aadEnd, end) in place and writes
//     the tag at buf[end, end + 16).
//   open(iv, buf, aadEnd, end, extraAad?) -> end - 16, or -1 when the tag is wrong
//     (the tag is buf[end - 16, end); on failure the would-be plaintext is zeroed).
// Every argument is checked (types, lengths, 0 <= aadEnd <= end <= buf.length) and a bad call
// throws, so no call can read or write outside the buffers. No allocation per call.
// Context-aware (NAPI_MODULE_INIT) so worker_threads may each load it; no global state.

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define KEY_LEN 16
#define IV_LEN 12
#define TAG_LEN 16
#define MAX_EXTRA_AAD 64

typedef struct {
  EVP_CIPHER_CTX* ctx;
} AesGcm;

static void throw_range(napi_env env, const char* msg) { napi_throw_range_error(env, "ERR_KAIGI_AES_GCM", msg); }
static void throw_type(napi_env env, const char* msg) { napi_throw_type_error(env, "ERR_KAIGI_AES_GCM", msg); }

static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  AesGcm* self = (AesGcm*)data;
  EVP_CIPHER_CTX_free(self->ctx);  // cleanses the key schedule
  free(self);
}

// Reads a Buffer/Uint8Array argument; throws and returns 0 when it is not one.
static int get_bytes(napi_env env, napi_value v, uint8_t** data, size_t* len, const char* what) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) {
    throw_type(env, what);
    return 0;
  }
  void* p = NULL;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) {
    throw_type(env, what);
    return 0;
  }
  *data = (uint8_t*)p;
  return 1;
}

// Reads a non-negative integer offset no larger than max; throws and returns 0 otherwise.
static int get_offset(napi_env env, napi_value v, size_t max, size_t* out, const char* what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw_type(env, what);
    return 0;
  }
  if (!(d >= 0) || d > (double)max || d != (double)(size_t)d) {
    throw_range(env, what);
    return 0;
  }
  *out = (size_t)d;
  return 1;
}

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value self_js;
  if (napi_get_cb_info(env, info, &argc, argv, &self_js, NULL) != napi_ok) return NULL;
  napi_value new_target = NULL;
  if (napi_get_new_target(env, info, &new_target) != napi_ok || new_target == NULL) {
    throw_type(env, "AesGcm must be called with new");
    return NULL;
  }
  uint8_t* key = NULL;
  size_t key_len = 0;
  if (argc < 1 || !get_bytes(env, argv[0], &key, &key_len, "key must be a Buffer")) {
    if (argc < 1) throw_type(env, "key must be a Buffer");
    return NULL;
  }
  if (key_len != KEY_LEN) {
    throw_range(env, "key must be 16 bytes (AES-128)");
    return NULL;
  }
  AesGcm* self = (AesGcm*)calloc(1, sizeof(AesGcm));
  if (self == NULL) {
    napi_throw_error(env, "ERR_KAIGI_AES_GCM", "out of memory");
    return NULL;
  }
  self->ctx = EVP_CIPHER_CTX_new();
  if (self->ctx == NULL || EVP_CipherInit_ex(self->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 1) != 1) {
    EVP_CIPHER_CTX_free(self->ctx);
    free(self);
    napi_throw_error(env, "ERR_KAIGI_AES_GCM", "OpenSSL could not set up AES-128-GCM");
    return NULL;
  }
  if (napi_wrap(env, self_js, self, finalize, NULL, NULL) != napi_ok) {
    EVP_CIPHER_CTX_free(self->ctx);
    free(self);
    return NULL;
  }
  return self_js;
}

typedef struct {
  AesGcm* self;
  uint8_t* iv;
  uint8_t* buf;
  size_t aad_end;
  size_t end;
  uint8_t* extra;
  size_t extra_len;
} Call;

// Unpacks and checks (iv, buf, aadEnd, end, extraAad?). min_body is the room the operation needs:
// seal needs TAG_LEN bytes after end; open needs the tag inside [aadEnd, end).
static int unpack(napi_env env, napi_callback_info info, Call* c, int sealing) {
  size_t argc = 5;
  napi_value argv[5];
  napi_value self_js;
  if (napi_get_cb_info(env, info, &argc, argv, &self_js, NULL) != napi_ok) return 0;
  if (argc < 4) {
    throw_type(env, "expected (iv, buf, aadEnd, end, extraAad?)");
    return 0;
  }
  if (napi_unwrap(env, self_js, (void**)&c->self) != napi_ok || c->self == NULL) {
    throw_type(env, "not an AesGcm");
    return 0;
  }
  size_t iv_len = 0, buf_len = 0;
  if (!get_bytes(env, argv[0], &c->iv, &iv_len, "iv must be a Buffer")) return 0;
  if (iv_len != IV_LEN) {
    throw_range(env, "iv must be 12 bytes");
    return 0;
  }
  if (!get_bytes(env, argv[1], &c->buf, &buf_len, "buf must be a Buffer")) return 0;
  if (buf_len > INT_MAX) {
    throw_range(env, "buf too large");
    return 0;
  }
  if (!get_offset(env, argv[3], buf_len, &c->end, "end must be an integer within buf")) return 0;
  if (!get_offset(env, argv[2], c->end, &c->aad_end, "aadEnd must be an integer within [0, end]")) return 0;
  if (sealing && buf_len - c->end < TAG_LEN) {
    throw_range(env, "buf has no room for the 16-byte tag after end");
    return 0;
  }
  if (!sealing && c->end - c->aad_end < TAG_LEN) {
    throw_range(env, "no 16-byte tag between aadEnd and end");
    return 0;
  }
  c->extra = NULL;
  c->extra_len = 0;
  if (argc >= 5) {
    napi_valuetype t;
    if (napi_typeof(env, argv[4], &t) != napi_ok) return 0;
    if (t != napi_undefined) {
      if (!get_bytes(env, argv[4], &c->extra, &c->extra_len, "extraAad must be a Buffer")) return 0;
      if (c->extra_len > MAX_EXTRA_AAD) {
        throw_range(env, "extraAad too long");
        return 0;
      }
    }
  }
  return 1;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  if (napi_create_int64(env, v, &out) != napi_ok) return NULL;
  return out;
}

static int add_aad(EVP_CIPHER_CTX* ctx, const Call* c) {
  int outl = 0;
  if (c->aad_end > 0 && EVP_CipherUpdate(ctx, NULL, &outl, c->buf, (int)c->aad_end) != 1) return 0;
  if (c->extra_len > 0 && EVP_CipherUpdate(ctx, NULL, &outl, c->extra, (int)c->extra_len) != 1) return 0;
  return 1;
}

static napi_value seal(napi_env env, napi_callback_info info) {
  Call c;
  if (!unpack(env, info, &c, 1)) return NULL;
  EVP_CIPHER_CTX* ctx = c.self->ctx;
  int outl = 0;
  uint8_t* body = c.buf + c.aad_end;
  int body_len = (int)(c.end - c.aad_end);
  // Only the IV changes per packet: the key schedule set in the constructor is kept (key NULL).
  int ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, c.iv, 1) == 1 && add_aad(ctx, &c) &&
           (body_len == 0 || EVP_CipherUpdate(ctx, body, &outl, body, body_len) == 1) &&
           EVP_CipherFinal_ex(ctx, c.buf + c.end, &outl) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, c.buf + c.end) == 1;
  if (!ok) {
    napi_throw_error(env, "ERR_KAIGI_AES_GCM", "OpenSSL AES-128-GCM seal failed");
    return NULL;
  }
  return make_int(env, (int64_t)(c.end + TAG_LEN));
}

static napi_value open_(napi_env env, napi_callback_info info) {
  Call c;
  if (!unpack(env, info, &c, 0)) return NULL;
  EVP_CIPHER_CTX* ctx = c.self->ctx;
  int outl = 0;
  size_t plain_end = c.end - TAG_LEN;
  uint8_t* body = c.buf + c.aad_end;
  int body_len = (int)(plain_end - c.aad_end);
  int set = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, c.iv, 0) == 1 && add_aad(ctx, &c) &&
            (body_len == 0 || EVP_CipherUpdate(ctx, body, &outl, body, body_len) == 1) &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, c.buf + plain_end) == 1;
  int ok = set && EVP_CipherFinal_ex(ctx, c.buf + plain_end, &outl) == 1;
  if (!ok) {
    // Never hand out plaintext of a packet that failed authentication.
    OPENSSL_cleanse(body, (size_t)body_len);
    return make_int(env, -1);
  }
  return make_int(env, (int64_t)plain_end);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default_method, NULL},
      {"open", NULL, open_, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value cls;
  if (napi_define_class(env, "AesGcm", NAPI_AUTO_LENGTH, construct, NULL, 2, methods, &cls) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "AesGcm", cls) != napi_ok) return NULL;
  const char* version = OpenSSL_version(OPENSSL_VERSION);
  napi_value v;
  if (napi_create_string_utf8(env, version, NAPI_AUTO_LENGTH, &v) == napi_ok) {
    napi_set_named_property(env, exports, "openssl", v);
  }
  return exports;
}
