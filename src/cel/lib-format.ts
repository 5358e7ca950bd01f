// Kubernetes' format library: format.named(name) and format.<name>() give a
// Format, whose validate(s) is optional.none() for a valid string and otherwise
// the list of problems, worded as apimachinery words them.
import { Optional, type Environment } from '@marcbachmann/cel-js';
import { isBase64, isDate, isDateTime, isUuid } from '../string-formats.ts';
import { requestUriError } from './lib-urls.ts';
import * as names from './names.ts';

export class FormatValue {
  readonly name: string;
  readonly validate: (value: string) => string[];

  constructor(name: string, validate: (value: string) => string[]) {
    this.name = name;
    this.validate = validate;
  }
}

/** Receiver type of the `format` namespace. */
export class FormatNamespace {}

// The checks a CRD schema's `format` uses (src/schemas/formats.ts), worded as apimachinery words them.
const schemaFormat = (test: (value: string) => boolean, problem: string) => (value: string) => (test(value) ? [] : [problem]);
const uri = (value: string) => {
  const err = requestUriError(value);
  return err === undefined ? [] : [err];
};

const FORMAT_VALUES: Readonly<Record<string, FormatValue>> = Object.fromEntries(
  Object.entries({
    dns1123Label: names.dns1123Label,
    dns1123Subdomain: names.dns1123Subdomain,
    dns1035Label: names.dns1035Label,
    qualifiedName: names.qualifiedName,
    dns1123LabelPrefix: names.asPrefix(names.dns1123Label),
    dns1123SubdomainPrefix: names.asPrefix(names.dns1123Subdomain),
    dns1035LabelPrefix: names.asPrefix(names.dns1035Label),
    labelValue: names.labelValue,
    uri,
    uuid: schemaFormat(isUuid, 'does not match the UUID format'),
    byte: schemaFormat(isBase64, 'invalid base64'),
    date: schemaFormat(isDate, 'invalid date'),
    datetime: schemaFormat(isDateTime, 'invalid datetime'),
  }).map(([name, check]) => [name, new FormatValue(name, check)]),
);

export function registerFormat(env: Environment): void {
  env
    .registerType('Format', FormatValue)
    .registerType('FormatNamespace', FormatNamespace)
    .registerConstant('format', 'FormatNamespace', new FormatNamespace())
    .registerFunction('FormatNamespace.named(string): optional<Format>', (_ns: FormatNamespace, name: string) =>
      Object.hasOwn(FORMAT_VALUES, name) ? Optional.of(FORMAT_VALUES[name]) : Optional.none(),
    )
    .registerFunction('Format.validate(string): optional<list<string>>', (f: FormatValue, value: string) => {
      const problems = f.validate(value);
      return problems.length === 0 ? Optional.none() : Optional.of(problems);
    });
  for (const [name, value] of Object.entries(FORMAT_VALUES)) {
    env.registerFunction(`FormatNamespace.${name}(): Format`, () => value);
  }
}
