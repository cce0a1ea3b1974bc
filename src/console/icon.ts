/**
 * The console's icon, a white key on the console's accent colour, in the compiled code rather than
 * in files beside it, so that it is wherever the console's modules are (the container image copies
 * only index.html and console.css of console/).
 */
export const FAVICON_SVG = Buffer.from([
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">',
  '<rect width="32" height="32" rx="7" fill="#1d4ed8"/>',
  '<circle cx="11" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/>',
  '<path d="M16 16h11m-4 0v5m4-5v4" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>',
  '</svg>',
].join(''));

/** The same key drawn at 16 and 32 pixels: an ICO of two PNG images, for /favicon.ico. */
export const FAVICON_ICO = Buffer.from([
  'AAABAAIAEBAAAAEAIADfAQAAJgAAACAgAAABACAAXwMAAAUCAACJUE5HDQoaCgAAAA1JSERSAAAAEAAAABAIBgAAAB/z/2EAAAGUSURB',
  'VHicnFJdKENhGH7es59j+QlFGJGylZTSkpIruZvlyrUrjVxIK+RCLpVaLRcayoULriy7ExfKlXahXJhZq03zc2PazP7P8Z0zjk0snae+',
  'v/f73ud9nrdPC4jUYQ3MggQ7CGaAdKgIMcdSgiDauT82Ock47p/nCE6ogCjQspYIdqgFU82RiC6oBIFaODbzpcG6ag79PVXy+g8GXvu1',
  '5/WErUUjRi3Vyv2ZLwn7ehSZrPgnh1JmeqJRTvZeJDC38SCv0lmKVxTRYfPL9O4lIyy9BlimghAExsyobw5MSGUEBCLZsqTEewEO1xNi',
  'iQLKjIo/lBaE74DUk6E+A9qbdRgbrIG5ky+3cB1Ko6leA9dCG6zDtdh0tKHGwGHXG8PkSgSr28/yu8PT189iRXKliW7PCwbMBthGauUh',
  '4eTyTY5LSGWKCVd3aRydxxVbSg9KpXYb9QhFs4gnhTJLna06hB9z+LWJasExL2GoBKt8K/3EPaiFCI+Gb53xafSchiA2MMZGIqr4h5ni',
  'PHMeIGA/k8ivfQAAAP//Y20gugAAAAZJREFUAwAFLoi8guIdUgAAAABJRU5ErkJggolQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAA',
  'c3p69AAAAxRJREFUeJzEl1tIVEEcxr85u9mua94tE63sglpqZVJWEOWLpBTRQ1eoCN/CyiyolyCCHsoy0qKHXqKLEUGGQiFBGCRGZZua',
  't7xVuqy5G2u47q7sOs0c2ctxd13xsucHy/nPnNnzffOfOTNnlPAgcl9vZJjDWkyAHErIBnZdjDmAAn8IpVp2bRhRqMpMVckm5z3iDBL3',
  'dOwmhD5gYQLmFx2lpLC/OuW1y0BSQVseFOQNgggzkc9NkGUFP6OoYvQ787IUwUVHbZoMwSFYjssgzkmgIeZjSoFNOMgE1xYoqGwGuLaS',
  'ELIcMsG1BciMMlCDBaxF2goVMlapxHJTlwVtfTbYHZgTpjSwPTMU5ecTEBuhkNQPmRwoLtPhvXYUs8XvEJw7HIvKq0le4py4SAUeX0nC',
  'mYMxmC0+M7BjowZnD7kf3txtQ2O7RYyzUtVsOBaKccmRWHxqtaC+eeaZIEl726lnRYRGwNuKZCyJnvB2/ZEBFS+Mkj8VHYjBhaOxYqw3',
  '2pF7qhcjlnHMBK8M5GaHucS/dlq9xDnlz43I2xKGzNUqxMcoUXo6Hh2/xhCIxg4L6hrNUxuIi3JXaTstfh82ZLK74vxti9gP06Lw2gBq',
  'P464yl6T0DzNVCoFgpmwbqVK+pzJDVp6rH4be6JRu70/rR3G4F93RramhyInXS3GDS0TWXSWJ+Nl4NsPqzjr+UzfvFaNXZs0ePdFOm68',
  'LjtN7Wp/8a5ecp+yN8gpWN9s5kvu9A1wLt3To+bmxBbx8HIiPrdZmCkrFCzt6WxFzEpRSdrOBp8GmrqsuP3M6FoLeG+dPfbkxhMDGzIb',
  'AtHdb/MZ+zXAuVVpYD0fxZ2SBESHS1dDw7ADRaU6fGjyvQD1DIxJYj7r+TCNsxXH8w3geC1Ek3FuRuvXqOBwULHHrb3WKTcjVQjB/p3h',
  'omBV3T9Yx/xLBDQw38j+PSCw7+NByAXTFtgJSAuZ4NosA5DNANcW7Ap6n4UmBB8T1xb0VWl9dJycRLChOMG1xbegvyblJT+rsVCH+Ycf',
  'TvN/V6e+4gXJnirH8fw/AAAA//+UQOYLAAAABklEQVQDAC+sLfVzrCx+AAAAAElFTkSuQmCC',
].join(''), 'base64');
