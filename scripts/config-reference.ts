// Prints the configuration reference (Markdown) that the README embeds; a test keeps them equal.
import { configurationSchema, renderConfigurationReference } from '../src/configuration/index.js';

process.stdout.write(`${renderConfigurationReference(configurationSchema)}\n`);
