// The OTEL_* variables: when tracing is on, what each value becomes, and that a
// bad value stops start-up with the variable's name.
import t from 'tap';
import { tracingConfig } from '../../src/observability/tracing/config.ts';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

t.test('off unless an exporter is asked for', async (t) => {
  t.equal(tracingConfig({}), undefined, 'nothing set');
  t.equal(tracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), undefined, 'settings without an exporter');
  t.equal(tracingConfig({ OTEL_TRACES_EXPORTER: '' }), undefined, 'an empty value is unset');
  t.equal(tracingConfig({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }), undefined, 'none wins over an endpoint');
  t.equal(tracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'true' }), undefined, 'OTEL_SDK_DISABLED=true');
  t.equal(tracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }), undefined, 'case-insensitive');
  t.same(tracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false' })?.exporters, ['otlp']);
});

t.test('on with an OTLP endpoint or a named exporter', async (t) => {
  t.same(tracingConfig(ENDPOINT)?.exporters, ['otlp']);
  t.same(tracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/v1/traces' })?.exporters, ['otlp']);
  t.same(tracingConfig({ OTEL_TRACES_EXPORTER: 'console' })?.exporters, ['console']);
  t.same(tracingConfig({ OTEL_TRACES_EXPORTER: ' OTLP , console,otlp' })?.exporters, ['otlp', 'console'], 'trimmed, lower-cased, deduplicated');
});

t.test('the defaults', async (t) => {
  t.same(tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' }), {
    exporters: ['otlp'],
    otlp: { url: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf', headers: {}, timeoutMs: 10_000 },
    sampler: { root: 'always_on', parentBased: true, ratio: 1 },
    serviceName: 'kadmit',
    resourceAttributes: {},
  });
});

t.test('endpoints: the generic one is a base, the traces one is used as is', async (t) => {
  t.equal(tracingConfig(ENDPOINT)?.otlp.url, 'http://collector:4318/v1/traces');
  t.equal(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c.example/otlp/' })?.otlp.url, 'https://c.example/otlp/v1/traces');
  t.equal(tracingConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/custom' })?.otlp.url, 'https://t.example/custom');
});

t.test('protocol, headers, timeout, sampler, service and resource', async (t) => {
  const config = tracingConfig({
    ...ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-tenant=a',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Tenant=b',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod%2Ceu',
  })!;
  t.equal(config.otlp.protocol, 'http/json', 'the traces protocol wins');
  t.same(config.otlp.headers, { authorization: 'Bearer abc', 'x-tenant': 'b' }, 'decoded; the traces headers win');
  t.equal(config.otlp.timeoutMs, 2500);
  t.same(config.sampler, { root: 'traceidratio', parentBased: true, ratio: 0.25 });
  t.equal(config.serviceName, 'from-attrs', 'service.name from the resource attributes');
  t.same(config.resourceAttributes, { 'service.name': 'from-attrs', 'deployment.environment': 'prod,eu' });
  t.equal(tracingConfig({ ...ENDPOINT, OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=other' })?.serviceName, 'svc', 'OTEL_SERVICE_NAME wins');
  t.same(tracingConfig({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: 'ignored' })?.sampler, { root: 'always_off', parentBased: false, ratio: 1 }, 'the argument only matters to ratio samplers');
});

t.test('a bad value is refused with the variable named', async (t) => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER', /unsupported exporter "jaeger"/],
    [{ OTEL_TRACES_EXPORTER: 'none,otlp' }, 'OTEL_TRACES_EXPORTER', /cannot be combined/],
    [{ ...ENDPOINT, OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED', /true or false/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /http:\/\/ or https:\/\//],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /not a URL/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://user:pw@c/v1/traces' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', /credentials/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: `http://c/${'a'.repeat(3000)}` }, 'OTEL_EXPORTER_OTLP_ENDPOINT', /longer than 2048/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL', /unsupported protocol "grpc"/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', /unsupported protocol/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS', /key=value/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'bad key=1' }, 'OTEL_EXPORTER_OTLP_HEADERS', /invalid key/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'a=%E0%A4%A' }, 'OTEL_EXPORTER_OTLP_HEADERS', /percent-encoding/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'a=x%0D%0Ainjected: 1' }, 'OTEL_EXPORTER_OTLP_HEADERS', /printable/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_HEADERS: Array.from({ length: 65 }, (_, i) => `h${i}=v`).join(',') }, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', /more than 64/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: `a=${'v'.repeat(9000)}` }, 'OTEL_EXPORTER_OTLP_HEADERS', /longer than 8192/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, 'OTEL_EXPORTER_OTLP_TIMEOUT', /1 to 120000/],
    [{ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '10s' }, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', /whole milliseconds/],
    [{ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER', /unsupported sampler/],
    [{ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG', /ratio from 0 to 1/],
    [{ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }, 'OTEL_TRACES_SAMPLER_ARG', /ratio from 0 to 1/],
    [{ ...ENDPOINT, OTEL_SERVICE_NAME: 'a\u0007b' }, 'OTEL_SERVICE_NAME', /printable/],
    [{ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: '=x' }, 'OTEL_RESOURCE_ATTRIBUTES', /key=value/],
  ];
  for (const [env, variable, problem] of cases) {
    t.throws(() => tracingConfig(env), { code: 'KADMIT_OTEL_CONFIG', message: new RegExp(`^${variable}: .*${problem.source}`) }, `${variable}=${JSON.stringify(Object.values(env).at(-1)).slice(0, 40)}`);
  }
});
