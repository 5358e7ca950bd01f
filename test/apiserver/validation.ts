// The slice of apiserver defaulting and validation that matters to kadmit:
// names, Secret data (base64, stringData, immutable), webhook entries and
// their caBundle. Returns field errors; the caller turns them into a 422.
import { isObject, type Json, type JsonObject } from './json.ts';
import type { ResourceInfo } from './resources.ts';

export interface FieldError {
  field: string;
  message: string;
  reason: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Go's base64.StdEncoding: padded, standard alphabet.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function required(field: string): FieldError {
  return { field, message: 'Required value', reason: 'FieldValueRequired' };
}

function invalidValue(field: string, value: Json, why: string): FieldError {
  return { field, message: `Invalid value: ${JSON.stringify(value)}: ${why}`, reason: 'FieldValueInvalid' };
}

// Fill in what apiserver defaults, so reads look like a real cluster's.
export function normalize(res: ResourceInfo, obj: JsonObject): void {
  if (res.kind === 'Secret') {
    if (isObject(obj.stringData)) {
      const data = isObject(obj.data) ? obj.data : {};
      for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
      obj.data = data;
    }
    delete obj.stringData;
    obj.type ??= 'Opaque';
  }
  if (res.plural === 'validatingwebhookconfigurations' || res.plural === 'mutatingwebhookconfigurations') {
    if (!Array.isArray(obj.webhooks)) return;
    for (const w of obj.webhooks) {
      if (!isObject(w)) continue;
      w.failurePolicy ??= 'Fail';
      w.matchPolicy ??= 'Equivalent';
      w.namespaceSelector ??= {};
      w.objectSelector ??= {};
      w.timeoutSeconds ??= 10;
      if (res.plural === 'mutatingwebhookconfigurations') w.reinvocationPolicy ??= 'Never';
      const cc = w.clientConfig;
      if (isObject(cc) && isObject(cc.service)) cc.service.port ??= 443;
    }
  }
}

export function validate(res: ResourceInfo, obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = meta.name;
  if (typeof name !== 'string' || name === '') errs.push({ ...required('metadata.name'), message: 'Required value: name or generateName is required' });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) errs.push(invalidValue('metadata.name', name, 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\''));

  if (res.kind === 'Secret') {
    if (obj.data !== undefined && obj.data !== null) {
      if (!isObject(obj.data)) errs.push(invalidValue('data', obj.data, 'must be a map'));
      else for (const [k, v] of Object.entries(obj.data)) if (typeof v !== 'string' || !BASE64.test(v)) errs.push(invalidValue(`data[${k}]`, v, 'illegal base64 data'));
    }
    if (old) {
      if (old.type !== undefined && old.type !== obj.type) errs.push({ field: 'type', message: 'Invalid value: field is immutable', reason: 'FieldValueInvalid' });
      if (old.immutable === true) {
        if (JSON.stringify(old.data ?? {}) !== JSON.stringify(obj.data ?? {})) errs.push({ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
        if (obj.immutable !== true) errs.push({ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
      }
    }
  }

  if (res.plural === 'validatingwebhookconfigurations' || res.plural === 'mutatingwebhookconfigurations') {
    const hooks = obj.webhooks ?? [];
    if (!Array.isArray(hooks)) errs.push(invalidValue('webhooks', hooks, 'must be a list'));
    else {
      const seen = new Set<string>();
      hooks.forEach((w, i) => {
        const at = `webhooks[${i}]`;
        if (!isObject(w)) return void errs.push(invalidValue(at, w, 'must be an object'));
        if (typeof w.name !== 'string' || w.name === '') errs.push(required(`${at}.name`));
        else if (seen.has(w.name)) errs.push({ field: `${at}.name`, message: `Duplicate value: "${w.name}"`, reason: 'FieldValueDuplicate' });
        else seen.add(w.name);
        if (w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun') errs.push(w.sideEffects === undefined ? required(`${at}.sideEffects`) : invalidValue(`${at}.sideEffects`, w.sideEffects, 'supported values: "None", "NoneOnDryRun"'));
        if (!Array.isArray(w.admissionReviewVersions) || w.admissionReviewVersions.length === 0) errs.push(required(`${at}.admissionReviewVersions`));
        const cc = w.clientConfig;
        if (!isObject(cc)) errs.push(required(`${at}.clientConfig`));
        else {
          if ((cc.url === undefined) === (cc.service === undefined)) errs.push({ field: `${at}.clientConfig`, message: 'Required value: exactly one of url or service is required', reason: 'FieldValueRequired' });
          if (cc.caBundle !== undefined && (typeof cc.caBundle !== 'string' || !BASE64.test(cc.caBundle))) errs.push(invalidValue(`${at}.clientConfig.caBundle`, cc.caBundle, 'illegal base64 data'));
        }
      });
    }
  }

  if (res.plural === 'customresourcedefinitions') {
    const conv = isObject(obj.spec) && isObject(obj.spec.conversion) ? obj.spec.conversion : undefined;
    const cc = conv && isObject(conv.webhook) && isObject(conv.webhook.clientConfig) ? conv.webhook.clientConfig : undefined;
    if (cc && cc.caBundle !== undefined && (typeof cc.caBundle !== 'string' || !BASE64.test(cc.caBundle))) {
      errs.push(invalidValue('spec.conversion.webhook.clientConfig.caBundle', cc.caBundle, 'illegal base64 data'));
    }
  }
  return errs;
}
