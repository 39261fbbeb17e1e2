// node-app: the express service of pare's test fleet.
const express = require('express');
const _ = require('lodash');

const app = express();
app.get('/', (_req, res) => res.send(_.trim('  ok  ') + '\n'));
app.listen(Number(process.env.PORT || 8080), '0.0.0.0');
