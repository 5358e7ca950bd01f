// `kadmit/zod`: the zod kadmit checks a policy's settings with, for the policy's
// settings schema (`import { z } from 'kadmit/zod'`), so a policy project needs
// no zod of its own and its schema's types match definePolicy's. Apart from the
// main entry, `kadmit`, so that importing kadmit does not load zod: a review
// worker that runs policies without settings never holds it (~6.6 MiB a thread).
export { z } from 'zod';
